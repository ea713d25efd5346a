using GrpcWorkflows.Cli.Tests.Infrastructure;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Tests.Offline;

public sealed class AdminBackupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-backup-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task AdminBackup_StoreOpenAndWriting_WritesACheckedCopyThatOpens()
    {
        var database = Path.Combine(_folder, "orchestrator.db");
        var backup = Path.Combine(_folder, "backups", "b1.db");
        await using (var store = new SqliteExecutionStore(new SqliteStoreOptions { Path = database }))
        {
            for (var i = 0; i < 5; i++)
            {
                await store.CreateAsync(Submitted($"e{i}")).AsTask().DefaultTimeout();
            }

            // The store stays open, as a running orchestrator's does.
            var result = await Gwf.RunAsync(["admin", "backup", backup, "--database", database]);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains($"Backed up 5 executions (5 events, ", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("integrity check ok", result.StandardOutput, StringComparison.Ordinal);

            var again = await Gwf.RunAsync(["admin", "backup", backup, "--database", database]);
            Assert.Equal(2, again.ExitCode);
            Assert.Contains("already exists", again.StandardError, StringComparison.Ordinal);
        }

        await using var restored = new SqliteExecutionStore(new SqliteStoreOptions { Path = backup });
        Assert.Equal(5, (await restored.ListAsync(new ExecutionQuery(100, null, [], null)).AsTask().DefaultTimeout()).Items.Count);
    }

    [Fact]
    public async Task AdminBackup_NoDatabase_Exits2NamingThePath()
    {
        var missing = Path.Combine(_folder, "missing.db");

        var result = await Gwf.RunAsync(["admin", "backup", Path.Combine(_folder, "b.db"), "--database", missing]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(missing, result.StandardError, StringComparison.Ordinal);
    }

    private static ExecutionEvent Submitted(string id) => new()
    {
        ExecutionId = id,
        Sequence = 1,
        Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        Submitted = new ExecutionSubmitted { Definition = new WorkflowDefinition { Id = "wf", Steps = { ["a"] = new StepDefinition { Type = "work" } } } },
    };
}
