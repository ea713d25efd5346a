using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.Testing;
using static GrpcWorkflows.Storage.Tests.TestEvents;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>A full disk and a read-only one, on a real (small) file system: named failures, and writes resume by themselves.</summary>
public sealed class SqliteStorageLimitTests
{
    [TmpfsFact]
    public async Task Write_DiskFull_FailsAsDiskFullAndWritesAgainOnceSpaceIsFreed()
    {
        using var disk = new TmpfsMount("4m");
        await using var store = new SqliteExecutionStore(new SqliteStoreOptions { Path = disk.PathOf("store.db") });
        await store.CreateAsync(Submitted("before", Epoch)).DefaultTimeout();
        disk.Fill();

        StoreUnavailableException? full = null;
        for (var i = 0; i < 200 && full is null; i++)
        {
            try
            {
                var id = $"full{i}";
                var submitted = Submitted(id, Epoch);
                submitted.Submitted.Labels["filler"] = new string('x', 4000);
                await store.CreateAsync(submitted).DefaultTimeout();
            }
            catch (StoreUnavailableException e)
            {
                full = e;
            }
        }

        Assert.NotNull(full);
        Assert.Equal(StoreFailureReason.DiskFull, full.Reason);
        Assert.Contains("is full", full.Message, StringComparison.Ordinal);

        disk.Free();
        await store.CreateAsync(Submitted("after", Epoch)).DefaultTimeout();
        await store.AppendAsync("after", [Started("after", 2)]).AsTask().DefaultTimeout();
        Assert.Equal(2, (await store.GetAsync("after").DefaultTimeout())!.LastSequence);
        Assert.NotNull(await store.GetAsync("before").DefaultTimeout());
    }

    [TmpfsFact]
    public async Task Open_ReadOnlyFileSystem_RefusesSayingItIsReadOnly()
    {
        using var disk = new TmpfsMount("4m");
        var path = disk.PathOf("store.db");
        await using (var store = new SqliteExecutionStore(new SqliteStoreOptions { Path = path }))
        {
            await store.CreateAsync(Submitted("e1", Epoch)).DefaultTimeout();
        }

        disk.SetReadOnly(true);
        try
        {
            var error = Assert.Throws<StoreUnavailableException>(() => new SqliteExecutionStore(new SqliteStoreOptions { Path = path }));

            Assert.Equal(StoreFailureReason.ReadOnly, error.Reason);
            Assert.Contains("is read-only", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("another orchestrator", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            disk.SetReadOnly(false);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Open_ReadOnlyDatabaseFile_RefusesSayingItIsReadOnly()
    {
        using var database = new TempDatabase();
        var path = database.PathOf();
        await using (var store = new SqliteExecutionStore(new SqliteStoreOptions { Path = path }))
        {
            await store.CreateAsync(Submitted("e1", Epoch)).DefaultTimeout();
        }

        // Root may write any file whatever its mode: an immutable file is read-only even for root.
        var immutable = Environment.IsPrivilegedProcess && Chattr("+i", path);
        if (!immutable)
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead);
        }

        try
        {
            if (!immutable && Environment.IsPrivilegedProcess)
            {
                return; // Neither chattr nor the mode makes the file read-only for root here.
            }

            var error = Assert.Throws<StoreUnavailableException>(() => new SqliteExecutionStore(new SqliteStoreOptions { Path = path }));

            Assert.Equal(StoreFailureReason.ReadOnly, error.Reason);
            Assert.Contains("is read-only", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (immutable)
            {
                Chattr("-i", path);
            }
            else
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    private static bool Chattr(string flag, string path)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
            process.WaitForExit(10_000);
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
