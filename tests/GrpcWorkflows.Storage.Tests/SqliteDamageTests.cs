using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Storage.Tests.TestEvents;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>
/// Damage is refused at open, not absorbed: the images are what a crash leaves (the database file and
/// its -wal copied while the store is open), then damaged the way a disk or a person does.
/// </summary>
public sealed class SqliteDamageTests : IDisposable
{
    private const int Executions = 40;
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Open_CrashImageWithSoundWal_RecoversEveryCommit()
    {
        var image = await CrashImageAsync();

        await using var store = Open(image);

        Assert.Equal(Executions, await CountFinishedAsync(store));
    }

    [Fact]
    public async Task Open_WalHeaderZeroed_RefusesNamingTheWal()
    {
        var image = await CrashImageAsync();
        Overwrite(image + "-wal", 0, new byte[32]);

        var error = Assert.Throws<StoreUnavailableException>(() => Open(image));

        Assert.Equal(StoreFailureReason.Damaged, error.Reason);
        Assert.Contains("write-ahead log's header is damaged", error.Message, StringComparison.Ordinal);
        Assert.Contains("Restore the latest backup", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_GarbageOverTheWalStart_Refuses()
    {
        var image = await CrashImageAsync();
        Overwrite(image + "-wal", 0, Garbage(4096, seed: 1));

        var error = Assert.Throws<StoreUnavailableException>(() => Open(image));

        Assert.Equal(StoreFailureReason.Damaged, error.Reason);
        Assert.Contains("write-ahead log", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_WalFrameDamagedBeforeLaterCommits_Refuses()
    {
        var image = await CrashImageAsync();
        var walLength = new FileInfo(image + "-wal").Length;
        Assert.True(walLength > 64 * 1024, $"the WAL holds {walLength} bytes");
        Overwrite(image + "-wal", 32 + 24 + 100, Garbage(64, seed: 2));

        var error = Assert.Throws<StoreUnavailableException>(() => Open(image));

        Assert.Equal(StoreFailureReason.Damaged, error.Reason);
        Assert.Contains("would be dropped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_BadPageInTheDatabaseFile_Refuses()
    {
        var path = _database.PathOf();
        await using (var store = Open(path))
        {
            await WriteExecutionsAsync(store);
        }

        Assert.True(new FileInfo(path).Length > 8 * 4096);
        Overwrite(path, 3 * 4096, Garbage(4096, seed: 3));

        var error = Assert.Throws<StoreUnavailableException>(() => Open(path));

        Assert.Equal(StoreFailureReason.Damaged, error.Reason);
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_CleanClose_CheckpointsSoTheDatabaseFileAloneHoldsEverything()
    {
        var path = _database.PathOf();
        await using (var store = Open(path))
        {
            await WriteExecutionsAsync(store);
        }

        var wal = path + "-wal";
        Assert.True(!File.Exists(wal) || new FileInfo(wal).Length == 0, "the -wal file still holds frames after a clean close");
        var copy = _database.PathOf("copy/store.db");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(path, copy);
        await using var reopened = Open(copy);
        Assert.Equal(Executions, await CountFinishedAsync(reopened));
    }

    [Fact]
    public async Task Backup_WhileWritesContinue_IsAConsistentSnapshotThatRestores()
    {
        var path = _database.PathOf();
        await using var store = Open(path);
        await WriteExecutionsAsync(store);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var id = $"live{n++}";
                await store.CreateAsync(Submitted(id, Epoch));
                await store.AppendAsync(id, [Started(id, 2), Ready(id, 3, "s0")]);
                await store.AppendAsync(id, [AttemptStarted(id, 4, "s0"), Succeeded(id, 5, "s0")]);
            }

            return n;
        });

        var backups = new List<SqliteBackupResult>();
        for (var i = 0; i < 3; i++)
        {
            backups.Add(await SqliteStoreBackup.BackupAsync(path, _database.PathOf($"backups/{i}.db")).DefaultTimeout());
        }

        await stop.CancelAsync();
        var written = await writer.DefaultTimeout();
        Assert.True(written > 0);
        Assert.Throws<IOException>(() => SqliteStoreBackup.BackupAsync(path, backups[0].Path).GetAwaiter().GetResult());

        foreach (var backup in backups)
        {
            Assert.False(File.Exists(backup.Path + "-wal") && new FileInfo(backup.Path + "-wal").Length > 0);

            // Restore: the backup copied to a database path, no -wal beside it.
            var restored = _database.PathOf($"restored/{Path.GetFileName(backup.Path)}");
            Directory.CreateDirectory(Path.GetDirectoryName(restored)!);
            File.Copy(backup.Path, restored);
            await using var reopened = Open(restored);
            var ids = new List<string>();
            string? token = null;
            do
            {
                var page = await reopened.ListAsync(new ExecutionQuery(1000, token, [], null)).DefaultTimeout();
                ids.AddRange(page.Items.Select(r => r.ExecutionId));
                token = page.NextPageToken;
            }
            while (token is not null);

            Assert.Equal(backup.Executions, ids.Count);
            long events = 0;
            foreach (var id in ids)
            {
                var record = await reopened.GetAsync(id).DefaultTimeout();
                var log = new List<ExecutionEvent>();
                await foreach (var e in reopened.ReadEventsAsync(id, 1))
                {
                    log.Add(e);
                }

                // Each execution is whole up to a committed append: gap-free, and its row agrees.
                Assert.Equal(Enumerable.Range(1, log.Count).Select(s => (long)s), log.Select(e => e.Sequence));
                Assert.Equal(record!.LastSequence, log.Count);
                Assert.True(log.Count is 1 or 3 or 5 or 6, $"{id} has {log.Count} events");
                events += log.Count;
            }

            Assert.Equal(backup.Events, events);
        }
    }

    private static SqliteExecutionStore Open(string path) => new(new SqliteStoreOptions { Path = path });

    /// <summary>Writes the executions, then copies the database file and its -wal while the store is open: what a crash leaves.</summary>
    private async Task<string> CrashImageAsync()
    {
        var path = _database.PathOf();
        await using var store = Open(path);
        await WriteExecutionsAsync(store);
        var image = _database.PathOf("image/store.db");
        Directory.CreateDirectory(Path.GetDirectoryName(image)!);
        File.Copy(path, image);
        File.Copy(path + "-wal", image + "-wal");
        return image;
    }

    private static async Task WriteExecutionsAsync(SqliteExecutionStore store)
    {
        var filler = new string('x', 2000);
        for (var i = 0; i < Executions; i++)
        {
            var id = $"e{i:00}";
            var submitted = Submitted(id, Epoch);
            submitted.Submitted.Labels["filler"] = filler + i;
            await store.CreateAsync(submitted).DefaultTimeout();
            await store.AppendAsync(id, [Started(id, 2), Ready(id, 3, "s0")]).AsTask().DefaultTimeout();
            await store.AppendAsync(id, [AttemptStarted(id, 4, "s0"), Succeeded(id, 5, "s0")]).AsTask().DefaultTimeout();
            await store.AppendAsync(id, [Finished(id, 6, ExecutionState.Succeeded, Epoch)]).AsTask().DefaultTimeout();
        }
    }

    private static async Task<int> CountFinishedAsync(SqliteExecutionStore store)
    {
        var page = await store.ListAsync(new ExecutionQuery(1000, null, [ExecutionState.Succeeded], null)).DefaultTimeout();
        return page.Items.Count;
    }

    private static byte[] Garbage(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void Overwrite(string file, long offset, byte[] bytes)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(bytes);
    }
}
