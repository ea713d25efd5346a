using System.Diagnostics;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Replicas.Tests;

/// <summary>
/// Orchestrator replicas as real processes on one real PostgreSQL server: a replica killed, a replica
/// paused past its lease, the database restarted. Every workflow finishes, no step records two successes,
/// every log is gap-free, and a watcher on a replica that does not own the execution sees every event once.
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class ReplicaFailoverTests(PostgresServerFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _schema = PostgresServerFixture.NewSchema();
    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-replicas-").FullName;
    private readonly List<ReplicaProcess> _replicas = [];
    private readonly List<TestProcess> _executors = [];
    private Uri? _executorUrl;

    /// <summary>Leases far longer than any test waits.</summary>
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(10);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.SignalAsync(resume: true);
            await replica.DisposeAsync();
        }

        foreach (var executor in _executors)
        {
            await executor.DisposeAsync();
        }

        await postgres.DropSchemaAsync(_schema);
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A child still holds a file: the OS cleans the temp folder.
        }
    }

    [SkippableFact]
    public async Task ThreeReplicas_OneKilledMidRun_EveryWorkflowFinishesOnceAndAWatcherElsewhereSeesEveryEventOnce()
    {
        var connectionString = postgres.ConnectionString;
        var replicas = await StartWithExecutorAsync(connectionString, "r0", "r1", "r2");
        var victim = replicas[2];

        // The watched execution is owned by the victim (the submitting replica owns it) and outlives the kill.
        var watched = (await victim.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = ReplicaProcess.Chain("watched", 12, 500) }).ResponseAsync.DefaultTimeout()).ExecutionId;
        using var stopWatching = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var watching = replicas[0].WatchToEndAsync(watched, stopWatching.Token);

        // 300 workflows of three shapes, submitted 30 at a time, spread over the replicas.
        var submitting = Stopwatch.StartNew();
        var submitted = await Task.WhenAll(Enumerable.Range(0, 300).Chunk(30).Select(async chunk =>
        {
            var ids = new List<(string Id, int Steps)>();
            foreach (var index in chunk)
            {
                var (definition, steps) = (index % 3) switch
                {
                    0 => (ReplicaProcess.Chain("chain", 3, 400), 3),
                    1 => (ReplicaProcess.Diamond("diamond", 400), 4),
                    _ => (ReplicaProcess.Chain("single", 1, 800), 1),
                };
                var response = await replicas[index % 3].Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, IdempotencyKey = $"kill-{index}" }).ResponseAsync.DefaultTimeout();
                ids.Add((response.ExecutionId, steps));
            }

            return ids;
        }));
        var stepCounts = submitted.SelectMany(ids => ids).ToDictionary(e => e.Id, e => e.Steps, StringComparer.Ordinal);
        stepCounts[watched] = 12;
        output.WriteLine($"300 workflows submitted in {submitting.Elapsed.TotalSeconds:N1} s");

        // Submitting again with the same request id through another replica returns the same execution.
        var again = await replicas[1].Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = ReplicaProcess.Chain("chain", 3, 150), IdempotencyKey = "kill-0" }).ResponseAsync.DefaultTimeout();
        Assert.Contains(again.ExecutionId, stepCounts.Keys);
        Assert.Equal(301, stepCounts.Count);

        // Kill the victim mid-run, while it runs executions of its own.
        await AsyncTestHelpers.WaitUntilAsync(async () => await replicas[0].CountAsync(ExecutionState.Succeeded) >= 30, "30 workflows succeeded");
        victim.Process.Kill();
        await victim.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        var killed = Stopwatch.StartNew();
        var orphaned = await QueryIdsAsync($"SELECT execution_id FROM \"{_schema}\".executions WHERE owner = 'r2' AND end_time IS NULL");
        Assert.True(orphaned.Count > 0, "The victim owned no running execution at the kill: the workload is too small.");
        output.WriteLine($"killed r2 owning {orphaned.Count} unfinished executions, {await replicas[0].CountAsync(ExecutionState.Pending, ExecutionState.Running)} unfinished in all");

        await AsyncTestHelpers.WaitUntilAsync(
            async () => await replicas[0].CountAsync(ExecutionState.Pending, ExecutionState.Running) == 0,
            "every workflow finished on the surviving replicas",
            TimeSpan.FromSeconds(120));
        output.WriteLine($"all finished {killed.Elapsed.TotalSeconds:N1} s after the kill");

        var logs = await StoredLogs.AssertAllSucceededOnceAsync(connectionString, _schema, stepCounts);
        var takenOver = await QueryIdsAsync($"SELECT execution_id FROM \"{_schema}\".executions WHERE epoch >= 2 AND owner IN ('r0', 'r1')");
        Assert.Empty(orphaned.Except(takenOver));

        await AssertSeenOnceAsync(watching, logs[watched]);
    }

    [SkippableFact]
    public async Task PausedReplica_PastItsLease_IsTakenOverAndItsLateWritesAreRejected()
    {
        var connectionString = postgres.ConnectionString;
        var replicas = await StartWithExecutorAsync(connectionString, "paused", "live");
        var (paused, live) = (replicas[0], replicas[1]);

        var stepCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < 20; index++)
        {
            var response = await paused.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = ReplicaProcess.Chain("paused", 4, 600) }).ResponseAsync.DefaultTimeout();
            stepCounts[response.ExecutionId] = 4;
        }

        var watched = stepCounts.Keys.First();
        using var stopWatching = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var watching = live.WatchToEndAsync(watched, stopWatching.Token);

        // Pause the owner while its attempts are in flight; the other replica takes over once the lease expires.
        await AsyncTestHelpers.WaitUntilAsync(async () => await live.CountAsync(ExecutionState.Running) == 20, "the paused replica's 20 workflows run");
        await paused.SignalAsync(resume: false);
        await AsyncTestHelpers.WaitUntilAsync(
            async () => await live.CountAsync(ExecutionState.Pending, ExecutionState.Running) == 0,
            "every workflow finished on the live replica",
            TimeSpan.FromSeconds(90));
        var owners = Convert.ToInt64(await postgres.ExecuteScalarAsync($"SELECT count(*) FROM \"{_schema}\".executions WHERE owner = 'live' AND epoch >= 2"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(20, owners);

        // Woken up, the paused replica finds its leases gone: what it still had to record is refused by the epoch.
        await paused.SignalAsync(resume: true);
        var line = await paused.Process.WaitForLineAsync(
            l => l.Contains("another replica took it over", StringComparison.Ordinal) || l.Contains("are owned elsewhere now", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30));
        output.WriteLine(line);

        // Its late results had time to reach the database: still nothing recorded twice, nothing lost.
        await AsyncTestHelpers.WaitUntilAsync(async () => await paused.CountAsync(ExecutionState.Succeeded) == 20, "the woken replica answers");
        var logs = await StoredLogs.AssertAllSucceededOnceAsync(connectionString, _schema, stepCounts);
        await AssertSeenOnceAsync(watching, logs[watched]);
    }

    [SkippableFact]
    public async Task DatabaseRestartedMidRun_ReplicasReconnectAndEveryWorkflowFinishes()
    {
        var connectionString = postgres.ConnectionString;
        var replicas = await StartWithExecutorAsync(connectionString, "a", "b");

        var stepCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < 40; index++)
        {
            var response = await replicas[index % 2].Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = ReplicaProcess.Chain("restart", 4, 300) }).ResponseAsync.DefaultTimeout();
            stepCounts[response.ExecutionId] = 4;
        }

        using var stopWatching = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var watched = stepCounts.Keys.Last();
        var watching = replicas[0].WatchToEndAsync(watched, stopWatching.Token);

        await AsyncTestHelpers.WaitUntilAsync(async () => await replicas[0].CountAsync(ExecutionState.Succeeded) >= 5, "5 workflows succeeded");
        Assert.True(await replicas[0].CountAsync(ExecutionState.Running) > 0, "Nothing ran at the restart: the workload is too small.");
        await postgres.RestartAsync(TimeSpan.FromSeconds(2));
        output.WriteLine("database restarted");

        await AsyncTestHelpers.WaitUntilAsync(
            async () => await replicas[0].CountAsync(ExecutionState.Pending, ExecutionState.Running) == 0 && await replicas[1].CountAsync(ExecutionState.Succeeded) == 40,
            "every workflow finished after the restart",
            TimeSpan.FromSeconds(90));
        var logs = await StoredLogs.AssertAllSucceededOnceAsync(connectionString, _schema, stepCounts);
        await AssertSeenOnceAsync(watching, logs[watched]);
    }

    [SkippableFact]
    public async Task ExecutorConnectedToOneReplica_ServesWorkflowsSubmittedToAnother_AndCancelWorksFromAnyReplica()
    {
        var connectionString = postgres.ConnectionString;
        var replicas = await StartReplicasAsync(connectionString, null, "front", "back");
        var (front, back) = (replicas[0], replicas[1]);
        await using var executor = ReplicaProcess.StartConnectedExecutor(Path.Combine(_folder, "deliveries.jsonl"), back.Url);
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await back.Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync.DefaultTimeout()).Executors.Any(e => e.Source == ExecutorSource.Connected),
            "the executor's session to 'back' is open");

        // 'front' learns from the replicas' heartbeats that 'sleep' is served elsewhere: submissions pass validation.
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await front.Client.ValidateWorkflowAsync(new ValidateWorkflowRequest { Definition = ReplicaProcess.Chain("probe", 1, 1) }).ResponseAsync.DefaultTimeout()).Valid,
            "'front' validates sleep steps");

        var stepCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < 10; index++)
        {
            var response = await front.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = ReplicaProcess.Chain("moved", 2, 50) }).ResponseAsync.DefaultTimeout();
            stepCounts[response.ExecutionId] = 2;
        }

        // A long one to cancel through the replica that does not own it.
        var longOne = (await back.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = ReplicaProcess.Chain("long", 1, 60_000) }).ResponseAsync.DefaultTimeout()).ExecutionId;
        await AsyncTestHelpers.WaitUntilAsync(async () => await front.CountAsync(ExecutionState.Succeeded) == 10, "the 10 workflows submitted to 'front' succeeded", TimeSpan.FromSeconds(60));
        await StoredLogs.AssertAllSucceededOnceAsync(connectionString, _schema, stepCounts);

        var cancelled = await front.Client.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = longOne, Reason = "from the other replica" }).ResponseAsync.DefaultTimeout();
        Assert.Equal(ExecutionState.Cancelled, cancelled.State);
        var execution = (await back.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = longOne }).ResponseAsync.DefaultTimeout()).Execution;
        Assert.Equal(ExecutionState.Cancelled, execution.State);
    }

    [SkippableFact]
    public async Task SignalAndRetry_ThroughTheReplicaThatDoesNotOwnTheExecution_ReachItsOwner()
    {
        var connectionString = postgres.ConnectionString;
        var replicas = await StartWithExecutorAsync(connectionString, "owner", "other");
        var (owner, other) = (replicas[0], replicas[1]);

        // A wait for a signal, then an executor step; owned by the replica it was submitted to.
        var approval = new WorkflowDefinition { Id = "approval" };
        approval.Steps.Add("approve", new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "go" } });
        var after = ReplicaProcess.Sleep(50);
        after.DependsOn.Add("approve");
        approval.Steps.Add("after", after);
        var waiting = (await owner.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = approval }).ResponseAsync.DefaultTimeout()).ExecutionId;
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await other.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = waiting }).ResponseAsync.DefaultTimeout()).Execution.Steps.Any(s => s.StepId == "approve" && s.State == StepState.Suspended),
            "the approve step waits for its signal");

        var signalled = await other.Client.SignalExecutionAsync(new SignalExecutionRequest { ExecutionId = waiting, Name = "go" }).ResponseAsync.DefaultTimeout();

        Assert.Equal(["approve"], signalled.StepIds);
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await other.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = waiting }).ResponseAsync.DefaultTimeout()).Execution.State == ExecutionState.Succeeded,
            "the signalled workflow succeeded");

        // A step that fails its only attempt, then succeeds: retried through the replica that did not run it.
        var once = new WorkflowDefinition { Id = "once" };
        once.Steps.Add("flaky", new StepDefinition
        {
            Type = "flaky",
            Input = new Google.Protobuf.WellKnownTypes.Struct { Fields = { ["failures"] = Google.Protobuf.WellKnownTypes.Value.ForNumber(1) } },
            RetryPolicy = new RetryPolicy { MaxAttempts = 1 },
        });
        var failing = (await owner.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = once }).ResponseAsync.DefaultTimeout()).ExecutionId;
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await other.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = failing }).ResponseAsync.DefaultTimeout()).Execution.State == ExecutionState.Failed,
            "the workflow failed its only attempt");

        var retried = await other.Client.RetryExecutionAsync(new RetryExecutionRequest { ExecutionId = failing }).ResponseAsync.DefaultTimeout();

        Assert.Equal(["flaky"], retried.StepIds);
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await owner.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = failing }).ResponseAsync.DefaultTimeout()).Execution.State == ExecutionState.Succeeded,
            "the retried workflow succeeded");
        await StoredLogs.AssertAllSucceededOnceAsync(connectionString, _schema, new Dictionary<string, int> { [waiting] = 2, [failing] = 1 });
    }

    [SkippableFact]
    public async Task ReplicaWithAStableId_RestartedAfterAKill_ResumesItsExecutionsWithoutWaitingForTheirLeases()
    {
        var connectionString = postgres.ConnectionString;

        // A lease far longer than the test waits: only the stable id can bring the executions back in time.
        var first = (await StartWithExecutorAsync(connectionString, LongLease, "stable"))[0];
        var stepCounts = await SubmitChainsAsync(first, 5);

        await AsyncTestHelpers.WaitUntilAsync(async () => await first.CountAsync(ExecutionState.Running) == 5, "the 5 workflows run");
        first.Process.Kill();
        await first.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));

        var again = (await StartReplicasAsync(connectionString, _executorUrl, LongLease, "stable"))[0];
        await AsyncTestHelpers.WaitUntilAsync(
            async () => await again.CountAsync(ExecutionState.Succeeded) == 5,
            "the restarted replica finished its 5 workflows within a minute (their leases last 10)",
            TimeSpan.FromSeconds(60));
        await StoredLogs.AssertAllSucceededOnceAsync(connectionString, _schema, stepCounts);
    }

    [SkippableFact]
    public async Task ReplicaStoppedWithSigterm_HandsItsExecutionsOverWithoutWaitingForTheirLeases()
    {
        var connectionString = postgres.ConnectionString;

        // Leases far longer than the test waits: only the hand-over on SIGTERM lets the other replica continue in time.
        var replicas = await StartWithExecutorAsync(connectionString, LongLease, "leaving", "staying");
        var (leaving, staying) = (replicas[0], replicas[1]);
        var stepCounts = await SubmitChainsAsync(leaving, 5);

        await AsyncTestHelpers.WaitUntilAsync(async () => await staying.CountAsync(ExecutionState.Running) == 5, "the 5 workflows run");
        await leaving.Process.StopAsync(TimeSpan.FromSeconds(30));

        await AsyncTestHelpers.WaitUntilAsync(
            async () => await staying.CountAsync(ExecutionState.Succeeded) == 5,
            "the staying replica finished the 5 workflows within a minute (their leases last 10)",
            TimeSpan.FromSeconds(60));
        await StoredLogs.AssertAllSucceededOnceAsync(connectionString, _schema, stepCounts);
        Assert.Contains(leaving.Process.Lines, line => line.Contains("handed over 5 executions on stop", StringComparison.Ordinal));
    }

    private async Task<List<string>> QueryIdsAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>The watcher saw the stored log exactly: every event once, in order.</summary>
    private static async Task AssertSeenOnceAsync(Task<List<ExecutionEvent>> watching, List<ExecutionEvent> stored)
    {
        var seen = await watching.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(stored.Select(e => (e.Sequence, e.KindCase)), seen.Select(e => (e.Sequence, e.KindCase)));
    }

    /// <summary>Starts the push executor, then replicas that list it statically.</summary>
    private Task<ReplicaProcess[]> StartWithExecutorAsync(string connectionString, params string[] ids) =>
        StartWithExecutorAsync(connectionString, ReplicaProcess.LeaseDuration, ids);

    private async Task<ReplicaProcess[]> StartWithExecutorAsync(string connectionString, TimeSpan leaseDuration, params string[] ids)
    {
        var executor = ReplicaProcess.StartExecutor(Path.Combine(_folder, "deliveries.jsonl"));
        _executors.Add(executor);
        _executorUrl = await executor.WaitForListeningAsync();
        return await StartReplicasAsync(connectionString, _executorUrl, leaseDuration, ids);
    }

    /// <summary>Submits <paramref name="count"/> chains of 6 steps of 300 ms to <paramref name="replica"/>; returns their ids with their step counts.</summary>
    private static async Task<Dictionary<string, int>> SubmitChainsAsync(ReplicaProcess replica, int count)
    {
        var stepCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < count; index++)
        {
            stepCounts[(await replica.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = ReplicaProcess.Chain("chain", 6, 300) }).ResponseAsync.DefaultTimeout()).ExecutionId] = 6;
        }

        return stepCounts;
    }

    private Task<ReplicaProcess[]> StartReplicasAsync(string connectionString, Uri? executorUrl, params string[] ids) =>
        StartReplicasAsync(connectionString, executorUrl, ReplicaProcess.LeaseDuration, ids);

    private async Task<ReplicaProcess[]> StartReplicasAsync(string connectionString, Uri? executorUrl, TimeSpan leaseDuration, params string[] ids)
    {
        // The first replica creates the schema; the others start beside each other.
        var first = await ReplicaProcess.StartAsync(ids[0], connectionString, _schema, executorUrl, leaseDuration);
        _replicas.Add(first);
        var others = await Task.WhenAll(ids.Skip(1).Select(id => ReplicaProcess.StartAsync(id, connectionString, _schema, executorUrl, leaseDuration)));
        _replicas.AddRange(others);
        return [first, .. others];
    }
}
