using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.Storage.Sqlite.Internal;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using static GrpcWorkflows.Storage.Tests.TestEvents;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>What the SQLite store adds to the contract: the file, its schema, and group commit.</summary>
public sealed class SqliteExecutionStoreTests : IDisposable
{
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Reopen_AfterWrites_KeepsExecutionsEventsAndSequenceChecks()
    {
        var path = _database.PathOf();
        await using (var store = Open(path))
        {
            await store.CreateAsync(Submitted("e1", Epoch, idempotencyKey: "k1", steps: 2)).DefaultTimeout();
            await store.AppendAsync("e1", [Started("e1", 2), Ready("e1", 3, "s0"), AttemptStarted("e1", 4, "s0"), Succeeded("e1", 5, "s0")]).AsTask().DefaultTimeout();
        }

        await using var reopened = Open(path);
        var record = await reopened.GetAsync("e1").DefaultTimeout();
        var again = await reopened.CreateAsync(Submitted("e2", idempotencyKey: "k1")).DefaultTimeout();
        await Assert.ThrowsAsync<SequenceConflictException>(() => reopened.AppendAsync("e1", [Ready("e1", 5, "s1")]).AsTask()).DefaultTimeout();
        await reopened.AppendAsync("e1", [Ready("e1", 6, "s1"), Succeeded("e1", 7, "s1")]).AsTask().DefaultTimeout();
        var afterAppend = await reopened.GetAsync("e1").DefaultTimeout();
        var events = await ReadAllAsync(reopened, "e1");

        Assert.Equal((ExecutionState.Running, 5L, 1), (record!.State, record.LastSequence, record.SucceededStepCount));
        Assert.Equal(new CreateExecutionResult("e1", Existing: true), again);
        Assert.Equal((7L, 2), (afterAppend!.LastSequence, afterAppend.SucceededStepCount));
        Assert.Equal(Enumerable.Range(1, 7).Select(n => (long)n), events.Select(e => e.Sequence));
        Assert.Equal(Submitted("e1", Epoch, idempotencyKey: "k1", steps: 2), events[0]);
        Assert.Equal(["e1"], await reopened.ListActiveAsync().DefaultTimeout());
    }

    [Fact]
    public async Task Open_NewFile_MigratesToTheLatestSchemaInWalMode()
    {
        var path = _database.PathOf("nested/folder/store.db");

        await using var store = Open(path);

        Assert.True(File.Exists(path));
        Assert.Equal(path, store.FilePath);
        Assert.Equal(4, store.SchemaVersion);
        Assert.Equal("wal", QueryScalar(path, "PRAGMA journal_mode;"));
        Assert.Equal(4L, QueryScalar(path, "PRAGMA user_version;"));
        Assert.Equal(3L, QueryScalar(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('definitions', 'executions', 'events');"));
    }

    [Fact]
    public async Task Open_FileOfSchemaOne_MigratesItsExecutionsIntoTheDefaultNamespace()
    {
        var path = _database.PathOf();
        using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            SchemaMigrations.Apply(connection, path, NullLogger.Instance, upTo: 1);
        }

        Execute(path, "INSERT INTO executions (execution_id, workflow_id, state, create_time, idempotency_key, step_count, succeeded_step_count, definition_hash) VALUES ('old', 'wf', 1, 0, 'k1', 1, 0, x'00');");
        Execute(path, "INSERT INTO events (execution_key, sequence, kind, payload) SELECT execution_key, 1, 10, x'' FROM executions;");

        await using var store = Open(path);
        var record = await store.GetAsync("old").DefaultTimeout();
        var sameKey = await store.CreateAsync(Submitted("new", idempotencyKey: "k1")).DefaultTimeout();
        var sameKeyElsewhere = await store.CreateAsync(Submitted("elsewhere", idempotencyKey: "k1", inNamespace: "team-a")).DefaultTimeout();

        Assert.Equal(4, store.SchemaVersion);
        Assert.Equal(("default", 1L), (record!.Namespace, record.LastSequence));
        Assert.Equal(new CreateExecutionResult("old", Existing: true), sameKey);
        Assert.Equal(new CreateExecutionResult("elsewhere", Existing: false), sameKeyElsewhere);
        Assert.Equal(["old"], (await store.ListAsync(new ExecutionQuery(10, null, [], null)).DefaultTimeout()).Items.Select(r => r.ExecutionId));
    }

    [Fact]
    public async Task Open_FileFromANewerSchema_ThrowsWithoutTouchingIt()
    {
        var path = _database.PathOf();
        await using (var store = Open(path))
        {
            await store.CreateAsync(Submitted("e1")).DefaultTimeout();
        }

        Execute(path, "PRAGMA user_version = 99;");

        var error = Assert.Throws<InvalidOperationException>(() => Open(path));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
        Assert.Equal(99L, QueryScalar(path, "PRAGMA user_version;"));
    }

    [Fact]
    public async Task Open_FileAlreadyOpenByAnotherStore_RefusesUntilTheFirstCloses()
    {
        var path = _database.PathOf();
        var first = Open(path);

        var error = Assert.Throws<InvalidOperationException>(() => Open(path));
        await first.DisposeAsync();
        await using var second = Open(path);

        Assert.Contains("in use by another execution store", error.Message, StringComparison.Ordinal);
        Assert.Equal(path, second.FilePath);
    }

    [Fact]
    public async Task CreateAsync_SameDefinitionTwice_StoresItOnceAndReadsItBackWhole()
    {
        var path = _database.PathOf();
        await using var store = Open(path);

        await store.CreateAsync(Submitted("e1", workflowId: "same")).DefaultTimeout();
        await store.CreateAsync(Submitted("e2", workflowId: "same")).DefaultTimeout();
        await store.CreateAsync(Submitted("e3", workflowId: "other", steps: 5)).DefaultTimeout();

        Assert.Equal(2L, QueryScalar(path, "SELECT count(*) FROM definitions;"));
        var first = (await ReadAllAsync(store, "e2"))[0];
        Assert.Equal(Definition("same"), first.Submitted.Definition);
        Assert.Equal(5, (await ReadAllAsync(store, "e3"))[0].Submitted.Definition.Steps.Count);
    }

    [Fact]
    public async Task AppendAsync_ManyConcurrentWriters_AreGroupedIntoFewerTransactions()
    {
        await using var store = Open(_database.PathOf());
        const int executions = 200;

        await Task.WhenAll(Enumerable.Range(0, executions).Select(i => store.CreateAsync(Submitted($"e{i}")).AsTask())).DefaultTimeout();
        await Task.WhenAll(Enumerable.Range(0, executions).Select(i => store.AppendAsync($"e{i}", [Started($"e{i}", 2)]).AsTask())).DefaultTimeout();

        var statistics = store.Statistics;
        Assert.Equal(2 * executions, statistics.Writes);
        Assert.Equal(2 * executions, statistics.Events);
        Assert.True(statistics.Batches < executions, $"{statistics.Batches} transactions for {statistics.Writes} writes: appends were not grouped.");
        Assert.Equal(executions, (await store.ListActiveAsync().DefaultTimeout()).Count);
    }

    [Fact]
    public async Task PurgeAsync_MoreThanOneChunk_DeletesAllOfThemAndTheirDefinitions()
    {
        var path = _database.PathOf();
        await using var store = Open(path);
        const int executions = 2500;
        await Task.WhenAll(Enumerable.Range(0, executions).Select(async i =>
        {
            var id = $"e{i}";
            await store.CreateAsync(Submitted(id, workflowId: $"wf{i % 3}"));
            await store.AppendAsync(id, [Started(id, 2), Finished(id, 3, ExecutionState.Succeeded, Epoch.AddSeconds(i))]);
        })).DefaultTimeout();
        await store.CreateAsync(Submitted("running")).DefaultTimeout();

        var purged = await store.PurgeAsync(Epoch.AddDays(1), keepAtMost: null).DefaultTimeout();

        Assert.Equal(executions, purged);
        Assert.Equal(1L, QueryScalar(path, "SELECT count(*) FROM executions;"));
        Assert.Equal(1L, QueryScalar(path, "SELECT count(*) FROM definitions;"));
        Assert.Equal(1L, QueryScalar(path, "SELECT count(*) FROM events;"));
    }

    private static SqliteExecutionStore Open(string path) => new(new SqliteStoreOptions { Path = path });

    private static async Task<List<ExecutionEvent>> ReadAllAsync(SqliteExecutionStore store, string executionId)
    {
        var events = new List<ExecutionEvent>();
        await foreach (var @event in store.ReadEventsAsync(executionId, 1))
        {
            events.Add(@event);
        }

        return events;
    }

    private static object? QueryScalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(string path, string sql) => QueryScalar(path, sql);
}
