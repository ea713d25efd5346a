using System.Diagnostics;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>
/// The only executor replica is SIGKILLed while 90 workflows run and restarted on the same port 3 s
/// later. With the default retry policy every workflow succeeds: the calls that never reached an
/// executor (refused, reset before any response) are not attempts, so the outage costs no step a
/// failed attempt; the steps wait (visibly) and go as soon as the executor is back.
/// </summary>
public sealed class ExecutorRestartTests(ITestOutputHelper output) : IDisposable
{
    private const int Workflows = 90;
    private const int StepsPerWorkflow = 3;
    private const int StepMilliseconds = 200;

    // 90 x 3 steps x 200 ms over the engine's default 10 parallel steps is ~5.4 s of work: the kill
    // (1.5 s in) lands while steps run, and most of the work is still to do when the executor is back.
    private static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan Downtime = TimeSpan.FromSeconds(3);

    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-executor-restart-").FullName;

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
    public async Task Executor_KilledAndRestartedOnTheSamePortDuringNinetyWorkflows_EveryWorkflowSucceedsWithNoFailedAttempt()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        var executor = OrchestratorProcess.StartExecutor(Path.Combine(_folder, "deliveries-1.jsonl"));
        var executorUrl = await executor.WaitForListeningAsync();
        using var orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl);
        try
        {
            var executionIds = new List<string>();
            for (var index = 0; index < Workflows; index++)
            {
                var response = await orchestrator.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = OrchestratorProcess.SleepChain($"restart-{index % 9}", StepsPerWorkflow, StepMilliseconds) }).ResponseAsync.DefaultTimeout();
                executionIds.Add(response.ExecutionId);
            }

            // Chosen moments of the scenario, not waits for behaviour: kill mid-run, stay down 3 s.
            await Task.Delay(KillAfter);
            var activeAtKill = await orchestrator.CountActiveAsync();
            Assert.True(activeAtKill > 0, "Every workflow finished before the kill: the workload is too small to test an outage.");
            executor.Kill();
            await executor.Exited.WaitAsync(TimeSpan.FromSeconds(10));
            var killed = Stopwatch.StartNew();
            await executor.DisposeAsync();
            await Task.Delay(Downtime);
            var activeAtRestart = await orchestrator.CountActiveAsync();
            executor = OrchestratorProcess.StartExecutor(Path.Combine(_folder, "deliveries-2.jsonl"), executorUrl.Port);
            await executor.WaitForListeningAsync();
            var restartedAfter = killed.Elapsed;
            var sinceRestart = Stopwatch.StartNew();

            await AsyncTestHelpers.WaitUntilAsync(
                async () => await orchestrator.CountActiveAsync() == 0,
                "every workflow finished after the executor came back",
                TimeSpan.FromSeconds(120));
            var drained = sinceRestart.Elapsed;

            var states = new Dictionary<ExecutionState, int>();
            foreach (var executionId in executionIds)
            {
                var execution = (await orchestrator.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }).ResponseAsync.DefaultTimeout()).Execution;
                states[execution.State] = states.GetValueOrDefault(execution.State) + 1;
                Assert.All(execution.Steps, step => Assert.All(step.AttemptHistory, attempt => Assert.True(
                    attempt.Error is null,
                    $"{executionId} step {step.StepId} attempt {attempt.Attempt} failed: {attempt.Error}")));
            }

            output.WriteLine($"{activeAtKill} workflows active at the kill, {activeAtRestart} when the executor was back ({restartedAfter.TotalSeconds:N1} s after the kill); all done {drained.TotalSeconds:N1} s later; states: {string.Join(", ", states.Select(s => $"{s.Key} {s.Value}"))}");
            Assert.Equal(Workflows, states.GetValueOrDefault(ExecutionState.Succeeded));

            await orchestrator.Process.StopAsync(TimeSpan.FromSeconds(30));
            var (waits, failedAttempts, sends) = await OrchestratorProcess.CountEventsAsync(databasePath, executionIds);
            output.WriteLine($"{waits} steps recorded waiting for an executor, {failedAttempts} failed attempts, {sends} attempt starts for {Workflows * StepsPerWorkflow} steps");
            Assert.Equal(0, failedAttempts);
            Assert.True(waits > 0, "No step ever waited for the executor: the kill did not land on a call or a send.");
        }
        finally
        {
            await executor.DisposeAsync();
        }
    }
}
