using System.Diagnostics;
using Grpc.Core;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>
/// The orchestrator runs as its own process on a real SQLite file and is killed (SIGKILL) at random
/// moments while 50 workflows run, then restarted on the same file. Nothing may be lost or run twice
/// beyond the attempts that were in flight at a kill.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private const int Workflows = 50;
    private const int StepsPerWorkflow = 8;
    private const int StepMilliseconds = 300;
    private const int Kills = 5;

    // 50 x 8 steps x 300 ms over the engine's default 10 parallel steps is ~12 s of work; the kills come
    // within at most 5 x 1.8 s = 9 s of uptime, so every kill lands while steps run.

    // A delivery in flight at a kill ends within this distance of it: cancelled just after (the executor
    // sees the connection drop), or succeeded just before with the success not yet committed.
    // Generous for a shared, slow machine; far smaller than the gap between kills.
    private static readonly TimeSpan InFlightWindow = TimeSpan.FromSeconds(1.5);

    // Clock reading and log writing jitter between the test and the executor process.
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMilliseconds(250);

    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-crash-").FullName;
    private volatile OrchestratorProcess? _current;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A child still holds a file: the OS cleans the temp folder.
        }
    }

    [Fact]
    public async Task Orchestrator_KilledFiveTimesDuringFiftyWorkflows_LosesNothingAndRedeliversOnlyInFlightAttempts()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        var deliveryLog = Path.Combine(_folder, "deliveries.jsonl");
        var random = new Random(Environment.TickCount);

        await using var executor = OrchestratorProcess.StartExecutor(deliveryLog);
        var executorUrl = await executor.WaitForListeningAsync();

        var orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl);
        _current = orchestrator;
        var killTimes = new List<DateTimeOffset>();
        using var stopWatching = new CancellationTokenSource();
        Task<List<ExecutionEvent>>? watched = null;
        try
        {
            var client = orchestrator.Client;
            var executionIds = new List<string>();
            for (var index = 0; index < Workflows; index++)
            {
                var response = await client.SubmitWorkflowAsync(new SubmitWorkflowRequest
                {
                    Definition = OrchestratorProcess.SleepChain($"crash-{index % 5}", StepsPerWorkflow, StepMilliseconds),
                    IdempotencyKey = $"crash-test-{index}",
                }).ResponseAsync.DefaultTimeout();
                executionIds.Add(response.ExecutionId);
            }

            watched = WatchAcrossRestartsAsync(executionIds[^1], stopWatching.Token);

            for (var kill = 1; kill <= Kills; kill++)
            {
                // A random moment of the run, not a wait for behaviour: the kill must land anywhere.
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 1800)));
                var active = await orchestrator.CountActiveAsync();
                Assert.True(active > 0, $"Every workflow finished before kill {kill}: the workload is too small to test recovery.");
                orchestrator.Process.Kill();
                killTimes.Add(DateTimeOffset.UtcNow);
                await orchestrator.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
                output.WriteLine($"kill {kill} at {killTimes[^1]:O} with {active} workflows active");
                orchestrator.Dispose();
                orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl);
                _current = orchestrator;
            }

            var deadline = Stopwatch.StartNew();
            await AsyncTestHelpers.WaitUntilAsync(
                async () => await orchestrator.CountActiveAsync() == 0,
                "every workflow finished after the last restart",
                TimeSpan.FromSeconds(120));
            output.WriteLine($"finished {deadline.Elapsed.TotalSeconds:N1} s after the last restart");

            foreach (var executionId in executionIds)
            {
                var execution = (await orchestrator.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }).ResponseAsync.DefaultTimeout()).Execution;
                Assert.True(execution.State == ExecutionState.Succeeded, $"{executionId} ended {execution.State}.");
            }

            // A watcher that resumed from its last sequence + 1 after every restart saw the whole log, once.
            var watchedEvents = await watched.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(Enumerable.Range(1, watchedEvents.Count).Select(n => (long)n), watchedEvents.Select(e => e.Sequence));
            Assert.Equal(ExecutionEvent.KindOneofCase.Finished, watchedEvents[^1].KindCase);

            await orchestrator.Process.StopAsync(TimeSpan.FromSeconds(30));
            await AssertLogsAsync(databasePath, executionIds, watchedEvents);
            AssertDeliveries(deliveryLog, executionIds, killTimes);
        }
        finally
        {
            await stopWatching.CancelAsync();
            orchestrator.Dispose();
        }
    }

    /// <summary>Watches one execution to its end, resuming from the last sequence seen + 1 on whichever orchestrator runs.</summary>
    private async Task<List<ExecutionEvent>> WatchAcrossRestartsAsync(string executionId, CancellationToken cancellationToken)
    {
        var events = new List<ExecutionEvent>();
        var resumes = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var orchestrator = _current!;
            try
            {
                using var call = orchestrator.Client.WatchExecution(
                    new WatchExecutionRequest { ExecutionId = executionId, FromSequence = events.Count + 1 },
                    cancellationToken: cancellationToken);
                await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    events.Add(response.Event);
                    if (response.Event.KindCase == ExecutionEvent.KindOneofCase.Finished)
                    {
                        output.WriteLine($"watcher saw {events.Count} events, resuming {resumes} times");
                        return events;
                    }
                }
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // The orchestrator was killed mid-stream: wait for the next one, then resume.
                resumes++;
                await AsyncTestHelpers.WaitUntilAsync(() => !ReferenceEquals(_current, orchestrator) || cancellationToken.IsCancellationRequested, "a restarted orchestrator");
            }
        }
    }

    private static async Task AssertLogsAsync(string databasePath, List<string> executionIds, List<ExecutionEvent> watchedEvents)
    {
        await using var store = new SqliteExecutionStore(new SqliteStoreOptions { Path = databasePath });
        foreach (var executionId in executionIds)
        {
            var sequences = new List<long>();
            var successes = new Dictionary<string, int>(StringComparer.Ordinal);
            await foreach (var @event in store.ReadEventsAsync(executionId, 1))
            {
                sequences.Add(@event.Sequence);
                if (@event.KindCase == ExecutionEvent.KindOneofCase.StepSucceeded)
                {
                    successes[@event.StepSucceeded.StepId] = successes.GetValueOrDefault(@event.StepSucceeded.StepId) + 1;
                }
            }

            Assert.Equal(Enumerable.Range(1, sequences.Count).Select(n => (long)n), sequences);
            if (executionId == watchedEvents[0].ExecutionId)
            {
                Assert.Equal(sequences.Count, watchedEvents.Count);
            }

            Assert.Equal(StepsPerWorkflow, successes.Count);
            Assert.All(successes, pair => Assert.True(pair.Value == 1, $"{executionId}: step {pair.Key} has {pair.Value} recorded successes."));
            var record = await store.GetAsync(executionId);
            Assert.Equal((ExecutionState.Succeeded, StepsPerWorkflow), (record!.State, record.SucceededStepCount));
        }
    }

    private void AssertDeliveries(string deliveryLog, List<string> executionIds, List<DateTimeOffset> killTimes)
    {
        var deliveries = DeliveryRecord.ReadAll(deliveryLog);
        var ours = executionIds.ToHashSet(StringComparer.Ordinal);
        var redelivered = 0;
        var farthest = TimeSpan.Zero;
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var attempt in deliveries.Where(d => ours.Contains(d.ExecutionId)).GroupBy(d => (d.IdempotencyKey, d.Attempt)))
        {
            var ordered = attempt.OrderBy(d => d.Time).ToList();
            Assert.Equal("succeeded", ordered[^1].Outcome);
            foreach (var earlier in ordered.SkipLast(1))
            {
                redelivered++;
                var offset = killTimes.Select(kill => earlier.Time - kill).MinBy(d => d.Duration());
                var inFlight = earlier.Outcome switch
                {
                    "cancelled" => offset >= -ClockSlack && offset <= InFlightWindow,
                    "succeeded" => offset >= -InFlightWindow && offset <= ClockSlack,
                    _ => false,
                };
                Assert.True(
                    inFlight,
                    $"{earlier.IdempotencyKey} was delivered again although its delivery ending {earlier.Time:O} ({earlier.Outcome}, {offset.TotalMilliseconds:N0} ms from the nearest kill) was not in flight at a kill.");
                farthest = farthest.Duration() > offset.Duration() ? farthest : offset;
                outcomes[earlier.Outcome] = outcomes.GetValueOrDefault(earlier.Outcome) + 1;
            }
        }

        // Every step ran to a success that the executor saw.
        Assert.Equal(
            executionIds.Count * StepsPerWorkflow,
            deliveries.Where(d => ours.Contains(d.ExecutionId) && d.Outcome == "succeeded").Select(d => (d.ExecutionId, d.StepId)).Distinct().Count());
        output.WriteLine($"{deliveries.Count} deliveries, {redelivered} repeated after a kill (first delivery {string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}"))}; farthest {farthest.TotalMilliseconds:N0} ms from its kill)");
    }
}
