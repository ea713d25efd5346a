using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Postgres;
using GrpcWorkflows.Storage.Retention;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static GrpcWorkflows.Storage.Tests.TestEvents;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>What the PostgreSQL store adds to the contract: migrations, batched writes, a second writer refused, a lost server named.</summary>
[Collection(PostgresServerGroup.Name)]
public sealed class PostgresExecutionStoreTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private readonly string _schema = PostgresServerFixture.NewSchema();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => postgres.DropSchemaAsync(_schema);

    [SkippableFact]
    public async Task Open_TwiceOnOneSchema_MigratesOnceAndKeepsTheData()
    {
        await using (var first = Open())
        {
            Assert.Equal(9, first.SchemaVersion);
            await first.CreateAsync(Submitted("kept", Epoch)).DefaultTimeout();
        }

        await using var second = Open();

        Assert.Equal(9, second.SchemaVersion);
        Assert.Equal(9L, await postgres.ExecuteScalarAsync($"SELECT count(*) FROM \"{_schema}\".schema_migrations"));
        Assert.Equal(ExecutionState.Pending, (await second.GetAsync("kept").DefaultTimeout())!.State);
    }

    [SkippableFact]
    public async Task Open_SchemaFromANewerVersion_RefusesNamingTheSetting()
    {
        await using (Open())
        {
        }

        await postgres.ExecuteScalarAsync($"INSERT INTO \"{_schema}\".schema_migrations (version, description) VALUES (99, 'from the future')");

        var error = Assert.Throws<InvalidOperationException>(() => Open());
        Assert.Contains("version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains("Storage:Postgres:Schema", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task AppendAsync_ManyExecutionsAtOnce_AreWrittenInFarFewerRoundTripsThanWrites()
    {
        await using var store = Open();
        const int executions = 200;
        await Task.WhenAll(Enumerable.Range(0, executions).Select(i => store.CreateAsync(Submitted($"e{i}", Epoch)).AsTask())).DefaultTimeout();
        var before = store.Statistics;

        var appends = Enumerable.Range(0, executions)
            .Select(i => store.AppendAsync($"e{i}", [Started($"e{i}", 2), Ready($"e{i}", 3, "a")]).AsTask())
            .ToList();
        await Task.WhenAll(appends).DefaultTimeout();

        var after = store.Statistics;
        Assert.Equal(executions, after.Writes - before.Writes);
        Assert.Equal(2 * executions, after.Events - before.Events);
        Assert.True(after.RoundTrips - before.RoundTrips < executions / 2, $"{after.RoundTrips - before.RoundTrips} round trips for {executions} appends");
        Assert.Equal(ExecutionState.Running, (await store.GetAsync("e199").DefaultTimeout())!.State);
    }

    [SkippableFact]
    public async Task AppendAsync_ChainsOfAppendsAndBurstsAtOnce_KeepEveryLogWholeAndInOrder()
    {
        // Some executions append one event at a time (a chain: the next after the last one's commit) while others
        // send all their appends without waiting (a burst): group commits mix one append of some executions with
        // many of others, and each log must come out whole and in order.
        await using var store = Open();
        const int executions = 60;
        const int appendsEach = 25;
        await Task.WhenAll(Enumerable.Range(0, executions).Select(i => store.CreateAsync(Submitted($"e{i}", Epoch)).AsTask())).DefaultTimeout();

        async Task RunAsync(int i)
        {
            var id = $"e{i}";
            if (i % 3 == 0)
            {
                await Task.WhenAll(Enumerable.Range(0, appendsEach).Select(n => store.AppendAsync(id, [Ready(id, n + 2, $"s{n}")]).AsTask()));
                return;
            }

            for (var n = 0; n < appendsEach; n++)
            {
                await store.AppendAsync(id, [Ready(id, n + 2, $"s{n}")]);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, executions).Select(RunAsync)).WaitAsync(TimeSpan.FromSeconds(60));

        for (var i = 0; i < executions; i++)
        {
            var events = await store.ReadEventsAsync($"e{i}", 1).ToListAsync().AsTask().DefaultTimeout();
            Assert.Equal(Enumerable.Range(1, appendsEach + 1).Select(n => (long)n), events.Select(e => e.Sequence));
            Assert.Equal(Enumerable.Range(0, appendsEach).Select(n => $"s{n}"), events.Skip(1).Select(e => e.StepReady.StepId));
        }
    }

    [SkippableFact]
    public async Task ReadEventsAsync_AppendsOfSeveralEventsInOneRow_ReadFromAnySequenceAndAcrossChunks()
    {
        // A group commit stores an execution's events as one row: reads must start inside such a row, page past
        // the read chunk (256 rows), and a store opened afterwards must rebuild the facts (succeeded steps) from them.
        await using (var store = Open())
        {
            await store.CreateAsync(Submitted("e1", Epoch)).DefaultTimeout();
            await store.AppendAsync("e1", [Started("e1", 2), Ready("e1", 3, "a"), AttemptStarted("e1", 4, "a")]).AsTask().DefaultTimeout();
            await store.AppendAsync("e1", [Succeeded("e1", 5, "a"), Ready("e1", 6, "b")]).AsTask().DefaultTimeout();
            for (var sequence = 7L; sequence <= 306; sequence++)
            {
                await store.AppendAsync("e1", [Ready("e1", sequence, $"r{sequence}")]).AsTask().DefaultTimeout();
            }
        }

        await using var reopened = Open();
        await reopened.AppendAsync("e1", [Ready("e1", 307, "last")]).AsTask().DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 307).Select(n => (long)n), (await reopened.ReadEventsAsync("e1", 1).ToListAsync().AsTask().DefaultTimeout()).Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(4, 304).Select(n => (long)n), (await reopened.ReadEventsAsync("e1", 4).ToListAsync().AsTask().DefaultTimeout()).Select(e => e.Sequence));
        Assert.Equal(["a", "b"], (await reopened.ReadEventsAsync("e1", 5).Take(2).ToListAsync().AsTask().DefaultTimeout()).Select(e => e.StepSucceeded?.StepId ?? e.StepReady.StepId));
        Assert.Equal([300L, 301L], (await reopened.ReadEventsAsync("e1", 300).Take(2).ToListAsync().AsTask().DefaultTimeout()).Select(e => e.Sequence));
        Assert.Empty(await reopened.ReadEventsAsync("e1", 308).ToListAsync().AsTask().DefaultTimeout());
        var record = (await reopened.GetAsync("e1").DefaultTimeout())!;
        Assert.Equal((307L, 1), (record.LastSequence, record.SucceededStepCount));
    }

    [SkippableFact]
    public async Task AppendAsync_AnotherStoreAppendedFirst_IsRefusedByTheDatabaseAndWritesNothing()
    {
        await using var first = Open();
        await using var second = Open();
        await first.CreateAsync(Submitted("shared", Epoch)).DefaultTimeout();
        await first.AppendAsync("shared", [Started("shared", 2)]).AsTask().DefaultTimeout();

        // The second store moves the log on; the first still believes sequence 3 is next.
        await second.AppendAsync("shared", [Ready("shared", 3, "from-second")]).AsTask().DefaultTimeout();
        var conflict = await Assert.ThrowsAsync<SequenceConflictException>(() => first.AppendAsync("shared", [Ready("shared", 3, "from-first")]).AsTask()).DefaultTimeout();

        Assert.Equal(4, conflict.ExpectedSequence);
        var events = await second.ReadEventsAsync("shared", 1).ToListAsync().AsTask().DefaultTimeout();
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Sequence));
        Assert.Equal("from-second", events[2].StepReady.StepId);

        // Having reloaded, the first store continues the log.
        await first.AppendAsync("shared", [Ready("shared", 4, "from-first")]).AsTask().DefaultTimeout();
        Assert.Equal(4, (await second.GetAsync("shared").DefaultTimeout())!.LastSequence);
    }

    [SkippableFact]
    public async Task AppendAsync_ConnectionKilledByTheServer_FailsAsUnavailableThenSucceedsOnReconnect()
    {
        await using var store = Open();
        await store.CreateAsync(Submitted("e1", Epoch)).DefaultTimeout();

        var killed = await postgres.ExecuteScalarAsync(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'");
        Assert.NotEqual(0L, killed);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.AppendAsync("e1", [Started("e1", 2)]).AsTask()).DefaultTimeout();
        Assert.Equal(StoreFailureReason.Unavailable, error.Reason);
        Assert.Contains("PostgreSQL server", error.Message, StringComparison.Ordinal);

        await store.AppendAsync("e1", [Started("e1", 2)]).AsTask().DefaultTimeout();
        Assert.Equal(ExecutionState.Running, (await store.GetAsync("e1").DefaultTimeout())!.State);
    }

    [SkippableFact]
    public void Open_NoServerListening_ThrowsStoreUnavailable()
    {
        _ = postgres.ConnectionString;
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var error = Assert.Throws<StoreUnavailableException>(() => new PostgresExecutionStore(new PostgresStoreOptions
        {
            ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Timeout=5",
            Schema = _schema,
        }));

        Assert.Equal(StoreFailureReason.Unavailable, error.Reason);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task AddGrpcWorkflowsStorage_ProviderPostgres_OpensTheConfiguredSchema()
    {
        await using var services = StorageServiceCollectionExtensionsTests.Build(new()
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:Postgres:ConnectionString"] = postgres.ConnectionString,
            ["Storage:Postgres:Schema"] = _schema,
        });

        var store = Assert.IsType<PostgresExecutionStore>(services.GetRequiredService<IExecutionStore>());

        Assert.Equal(_schema, store.Schema);
        Assert.Single(services.GetServices<IHostedService>().OfType<ExecutionRetentionService>());
    }

    private PostgresExecutionStore Open() => new(new PostgresStoreOptions { ConnectionString = postgres.ConnectionString, Schema = _schema });
}
