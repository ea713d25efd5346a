using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>A retry timer survives an orchestrator crash: the next attempt runs when it was due, not later, not at once.</summary>
public sealed class RetryTimerRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(10);

    // The orchestrator stays down this long after the failure, so that a timer restarted in full on
    // recovery (due + 5 s or later) and a timer that fires at once on recovery (due - 2 s or earlier,
    // startup permitting) both fall outside the window below.
    private static readonly TimeSpan Downtime = TimeSpan.FromSeconds(5);

    // How far from its due time the retried attempt may arrive: timer and scheduling latency on a slow machine.
    private static readonly TimeSpan Early = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Late = TimeSpan.FromSeconds(3);

    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-retry-").FullName;

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
    public async Task Orchestrator_KilledDuringRetryBackoff_RunsTheNextAttemptWhenItWasDue()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        var deliveryLog = Path.Combine(_folder, "deliveries.jsonl");
        await using var executor = OrchestratorProcess.StartExecutor(deliveryLog);
        var executorUrl = await executor.WaitForListeningAsync();
        var orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl);
        try
        {
            var submitted = await orchestrator.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = FlakyOnce() }).ResponseAsync.DefaultTimeout();
            var executionId = submitted.ExecutionId;

            // The first attempt failed and its failure (with the retry delay) is recorded: kill now.
            await AsyncTestHelpers.WaitUntilAsync(
                async () => (await GetAsync(orchestrator, executionId)).Steps.Any(s => s.StepId == "flaky" && s.State == StepState.RetryWait),
                "the first attempt failed and the retry is waiting");
            var failure = Deliveries(deliveryLog, executionId).Single(d => d.Attempt == 1 && d.Outcome == "failed");
            orchestrator.Process.Kill();
            await orchestrator.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
            orchestrator.Dispose();
            var downFor = failure.Time + Downtime - DateTimeOffset.UtcNow;
            if (downFor > TimeSpan.Zero)
            {
                // A chosen moment, not a wait for behaviour: the orchestrator is down for part of the backoff.
                await Task.Delay(downFor);
            }

            orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl);
            await GetAsync(orchestrator, executionId);
            var restarted = DateTimeOffset.UtcNow;

            await AsyncTestHelpers.WaitUntilAsync(
                async () => (await GetAsync(orchestrator, executionId)).State == ExecutionState.Succeeded,
                "the execution succeeded after the restart",
                TimeSpan.FromSeconds(60));

            var retried = Deliveries(deliveryLog, executionId).Single(d => d.Attempt == 2);
            var due = failure.Time + Backoff;
            output.WriteLine($"attempt 1 failed {failure.Time:O}; restarted {restarted:O}; attempt 2 {retried.Time:O}, {(retried.Time - due).TotalMilliseconds:N0} ms from due");
            Assert.Equal("succeeded", retried.Outcome);
            // Resumed with what was left of the delay: not at once on restart, not a full delay after it;
            // when the restart itself took longer than the delay, the attempt was overdue and runs at once.
            Assert.InRange(retried.Time, due - Early, (restarted > due ? restarted : due) + Late);
        }
        finally
        {
            orchestrator.Dispose();
        }
    }

    private static async Task<Execution> GetAsync(OrchestratorProcess orchestrator, string executionId) =>
        (await orchestrator.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }).ResponseAsync.DefaultTimeout()).Execution;

    private static List<DeliveryRecord> Deliveries(string deliveryLog, string executionId) =>
        [.. DeliveryRecord.ReadAll(deliveryLog).Where(d => d.ExecutionId == executionId)];

    private static WorkflowDefinition FlakyOnce() => new()
    {
        Id = "retry-timer",
        Steps =
        {
            ["flaky"] = new StepDefinition
            {
                Type = "flaky",
                Input = new Struct { Fields = { ["failures"] = Value.ForNumber(1), ["code"] = Value.ForString("UNAVAILABLE") } },
                RetryPolicy = new RetryPolicy { MaxAttempts = 3, InitialBackoff = Duration.FromTimeSpan(Backoff), Jitter = 0 },
            },
        },
    };
}
