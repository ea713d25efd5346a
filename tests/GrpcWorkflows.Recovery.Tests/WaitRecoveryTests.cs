using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>
/// Built-in waits survive an orchestrator SIGKILL: a sleep ends when it was due (not a full sleep
/// after the restart), a signal sent after the restart completes its wait, and the steps after
/// them run exactly once.
/// </summary>
public sealed class WaitRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Nap = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Early = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Late = TimeSpan.FromSeconds(3);

    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-waits-").FullName;

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
    public async Task Orchestrator_KilledWhileStepsSleepAndWaitForASignal_SleepEndsWhenDueAndTheSignalCompletesTheWait()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        var deliveryLog = Path.Combine(_folder, "deliveries.jsonl");
        await using var executor = OrchestratorProcess.StartExecutor(deliveryLog);
        var executorUrl = await executor.WaitForListeningAsync();
        var orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl);
        try
        {
            var submitted = await orchestrator.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Waits() }).ResponseAsync.DefaultTimeout();
            var id = submitted.ExecutionId;
            await AsyncTestHelpers.WaitUntilAsync(
                async () => (await GetAsync(orchestrator, id)).Steps.Count(s => s.State == StepState.Suspended) == 2,
                "both waits are suspended");
            var suspended = await GetAsync(orchestrator, id);
            var wake = suspended.Steps.Single(s => s.StepId == "nap").WakeTime.ToDateTimeOffset();
            Assert.Equal("approval", suspended.Steps.Single(s => s.StepId == "approve").Signal);
            Assert.Empty(Deliveries(deliveryLog, id));

            orchestrator.Process.Kill();
            await orchestrator.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
            orchestrator.Dispose();
            orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl);
            var restarted = DateTimeOffset.UtcNow;

            var signalled = await orchestrator.Client.SignalExecutionAsync(new SignalExecutionRequest
            {
                ExecutionId = id,
                Name = "approval",
                Payload = new Struct { Fields = { ["approved"] = Value.ForBool(true) } },
            }).ResponseAsync.DefaultTimeout();
            Assert.Equal(["approve"], signalled.StepIds);

            await AsyncTestHelpers.WaitUntilAsync(
                async () => (await GetAsync(orchestrator, id)).State == ExecutionState.Succeeded,
                "the execution succeeded after the restart",
                TimeSpan.FromSeconds(60));

            var execution = await GetAsync(orchestrator, id);
            Assert.True(execution.Steps.Single(s => s.StepId == "approve").Output.Fields["approved"].BoolValue);
            var deliveries = Deliveries(deliveryLog, id);
            Assert.Single(deliveries, d => d.StepId == "after_signal" && d.Outcome == "succeeded");
            var afterNap = Assert.Single(deliveries, d => d.StepId == "after_nap" && d.Outcome == "succeeded");
            output.WriteLine($"nap due {wake:O}; restarted {restarted:O}; after_nap ran {afterNap.Time:O}");
            Assert.InRange(afterNap.Time, wake - Early, (restarted > wake ? restarted : wake) + Late);
        }
        finally
        {
            orchestrator.Dispose();
        }
    }

    private static async Task<Execution> GetAsync(OrchestratorProcess orchestrator, string executionId) =>
        (await orchestrator.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }).ResponseAsync.DefaultTimeout()).Execution;

    private static List<DeliveryRecord> Deliveries(string deliveryLog, string executionId) =>
        File.Exists(deliveryLog) ? [.. DeliveryRecord.ReadAll(deliveryLog).Where(d => d.ExecutionId == executionId)] : [];

    private static WorkflowDefinition Waits()
    {
        var quick = new Struct { Fields = { ["ms"] = Value.ForNumber(1) } };
        return new WorkflowDefinition
        {
            Id = "waits",
            Steps =
            {
                ["nap"] = new StepDefinition { Sleep = new SleepStep { Duration = Duration.FromTimeSpan(Nap) } },
                ["approve"] = new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "approval" } },
                ["after_nap"] = new StepDefinition { Type = "sleep", Input = quick, DependsOn = { "nap" } },
                ["after_signal"] = new StepDefinition { Type = "sleep", Input = quick, DependsOn = { "approve" } },
            },
        };
    }
}
