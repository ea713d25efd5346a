using GrpcWorkflows.Plugins.Output.Files;
using GrpcWorkflows.Plugins.Tests.Infrastructure;

namespace GrpcWorkflows.Plugins.Tests.Output;

public sealed class FileWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task WriteAtomically_ExistingFile_ReplacedAndNoTemporaryLeft()
    {
        var path = _folder.Write("out.json", "old");

        var bytes = await FileWriter.WriteAtomicallyAsync(path, "new content");

        Assert.Equal("new content", await File.ReadAllTextAsync(path));
        Assert.Equal(11, bytes);
        Assert.Equal([path], Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public async Task WriteAtomically_Cancelled_OldFileUntouchedAndNoTemporaryLeft()
    {
        var path = _folder.Write("out.json", "old");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FileWriter.WriteAtomicallyAsync(path, new string('x', 1_000_000), cancelled.Token));

        Assert.Equal("old", await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public async Task WriteAtomically_ConcurrentReader_SeesOldOrNewWholeContentOnly()
    {
        var path = _folder.Write("out.txt", new string('a', 200_000));
        var next = new string('b', 200_000);
        using var stop = new CancellationTokenSource();
        var seen = new HashSet<char>();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var text = await File.ReadAllTextAsync(path);
                Assert.True(text.Length == 200_000 && text.Distinct().Count() == 1, "a reader saw a partial file");
                seen.Add(text[0]);
            }
        });

        for (var i = 0; i < 20; i++)
        {
            await FileWriter.WriteAtomicallyAsync(path, i % 2 == 0 ? next : new string('a', 200_000));
        }

        await stop.CancelAsync();
        await reader.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEmpty(seen);
    }
}
