using System.Diagnostics;

namespace GrpcWorkflows.Testing;

/// <summary>
/// A small tmpfs mounted for one test (needs root on Linux; CI runs as root), to make a disk that
/// fills up or turns read-only. Unmounted on dispose. Link into a test project with
/// <c>&lt;Compile Include="../Shared/TmpfsMount.cs" LinkBase="Shared" /&gt;</c>.
/// </summary>
internal sealed class TmpfsMount : IDisposable
{
    public TmpfsMount(string size)
    {
        Folder = Directory.CreateTempSubdirectory("grpcworkflows-tmpfs-").FullName;
        Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", Folder);
    }

    /// <summary>Why tests that mount are skipped here, or null when they can run.</summary>
    public static string? SkipReason => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess
        ? null
        : "Skipped: mounting a small tmpfs needs root on Linux (CI runs as root). Run the tests as root to include it.";

    public string Folder { get; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>Writes <paramref name="fillerName"/> until the file system is full; returns its size.</summary>
    public long Fill(string fillerName = "filler")
    {
        var chunk = new byte[16 * 1024];
        long written = 0;
        try
        {
            using var filler = new FileStream(PathOf(fillerName), FileMode.Create, FileAccess.Write, FileShare.None, 1);
            while (true)
            {
                filler.Write(chunk);
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            return written;
        }
    }

    /// <summary>Deletes the filler file again: the file system has room.</summary>
    public void Free(string fillerName = "filler") => File.Delete(PathOf(fillerName));

    /// <summary>Remounts read-only (or writable again).</summary>
    public void SetReadOnly(bool readOnly) => Run("mount", "-o", readOnly ? "remount,ro" : "remount,rw", Folder);

    public void Dispose()
    {
        Run("umount", "-l", Folder);
        Directory.Delete(Folder);
    }

    private static void Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(30_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed: {error}");
        }
    }
}

/// <summary>A test that needs <see cref="TmpfsMount"/>: skipped, with the reason, when not running as root on Linux.</summary>
internal sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        Skip = TmpfsMount.SkipReason;
    }
}
