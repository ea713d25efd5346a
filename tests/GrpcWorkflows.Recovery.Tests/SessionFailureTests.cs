using System.Net;
using System.Net.Sockets;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>
/// Executors that connect out (sessions), as real processes: one replica SIGKILLed mid-run, the
/// orchestrator SIGKILLed and restarted, and a replica drained by SIGTERM.
/// </summary>
public sealed class SessionFailureTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-sessions-").FullName;

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
    public async Task ConnectedReplica_KilledMidRunBesideASecondReplica_LostAttemptsAreSentAgainAndNoneFails()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        using var orchestrator = await OrchestratorProcess.StartAsync(databasePath, null);
        var address = await orchestrator.Process.WaitForListeningAsync();
        var doomedLog = Path.Combine(_folder, "doomed.jsonl");
        var doomed = OrchestratorProcess.StartConnectedExecutor(doomedLog, address);
        await using var survivor = OrchestratorProcess.StartConnectedExecutor(Path.Combine(_folder, "survivor.jsonl"), address);
        try
        {
            await orchestrator.WaitForSessionsAsync(2);
            var executionIds = await SubmitAsync(orchestrator, "killed", 60, steps: 3, milliseconds: 200);

            // The kill lands once the doomed replica has finished some steps, so it surely holds others in flight.
            await AsyncTestHelpers.WaitUntilAsync(() => File.Exists(doomedLog) && DeliveryRecord.ReadAll(doomedLog).Count >= 10, "the doomed replica ran steps");
            doomed.Kill();
            await doomed.Exited.WaitAsync(TimeSpan.FromSeconds(10));

            await AsyncTestHelpers.WaitUntilAsync(async () => await orchestrator.CountActiveAsync() == 0, "every workflow finished", TimeSpan.FromSeconds(120));
            await AssertAllSucceededAsync(orchestrator, executionIds);
            await orchestrator.Process.StopAsync(TimeSpan.FromSeconds(30));
            var (waits, failedAttempts, sends) = await OrchestratorProcess.CountEventsAsync(databasePath, executionIds);
            output.WriteLine($"{sends} attempt starts for {executionIds.Count * 3} steps, {waits} waits, {failedAttempts} failed attempts");
            Assert.Equal(0, failedAttempts);
        }
        finally
        {
            await doomed.DisposeAsync();
        }
    }

    [Fact]
    public async Task Orchestrator_KilledAndRestarted_ConnectedExecutorReconnectsAndTheExecutionsFinish()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        var port = FreePort();
        var urls = $"--urls=http://127.0.0.1:{port}";
        var address = new Uri($"http://127.0.0.1:{port}");
        var orchestrator = await OrchestratorProcess.StartAsync(databasePath, null, urls);
        var deliveries = Path.Combine(_folder, "deliveries.jsonl");
        await using var executor = OrchestratorProcess.StartConnectedExecutor(deliveries, address);
        List<string> executionIds;
        try
        {
            await orchestrator.WaitForSessionsAsync(1);
            executionIds = await SubmitAsync(orchestrator, "restart", 30, steps: 3, milliseconds: 300);
            await AsyncTestHelpers.WaitUntilAsync(() => File.Exists(deliveries) && DeliveryRecord.ReadAll(deliveries).Count >= 5, "the executor ran steps");
            orchestrator.Process.Kill();
            await orchestrator.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            orchestrator.Dispose();
        }

        using var restarted = await OrchestratorProcess.StartAsync(databasePath, null, urls);
        await restarted.WaitForSessionsAsync(1);
        await AsyncTestHelpers.WaitUntilAsync(async () => await restarted.CountActiveAsync() == 0, "every workflow finished after the restart", TimeSpan.FromSeconds(120));
        await AssertAllSucceededAsync(restarted, executionIds);
        Assert.Contains(executor.Lines, line => line.Contains("connecting again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConnectedReplica_SigtermWithStepsInFlight_FinishesThemAndIsSentNothingNew()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        using var orchestrator = await OrchestratorProcess.StartAsync(databasePath, null);
        var address = await orchestrator.Process.WaitForListeningAsync();
        var firstLog = Path.Combine(_folder, "first.jsonl");
        var secondLog = Path.Combine(_folder, "second.jsonl");
        await using var first = OrchestratorProcess.StartConnectedExecutor(firstLog, address);
        await orchestrator.WaitForSessionsAsync(1);

        // s0 runs 1.5 s on the first replica; s1 comes after the drain began, so it must go to the second one.
        var executionIds = await SubmitAsync(orchestrator, "drain", 8, steps: 2, milliseconds: 1500);
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync.DefaultTimeout()).Executors.Sum(e => e.InFlight) == 8,
            "the first replica runs every s0");
        await first.StopAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, first.ExitCode);

        await using var second = OrchestratorProcess.StartConnectedExecutor(secondLog, address);
        await AsyncTestHelpers.WaitUntilAsync(async () => await orchestrator.CountActiveAsync() == 0, "every workflow finished", TimeSpan.FromSeconds(120));
        await AssertAllSucceededAsync(orchestrator, executionIds);

        var drained = DeliveryRecord.ReadAll(firstLog);
        Assert.Equal(8, drained.Count(d => d.StepId == "s0" && d.Outcome == "succeeded"));
        Assert.DoesNotContain(drained, d => d.StepId == "s1");
        Assert.Equal(8, DeliveryRecord.ReadAll(secondLog).Count(d => d.StepId == "s1" && d.Outcome == "succeeded"));
        await orchestrator.Process.StopAsync(TimeSpan.FromSeconds(30));
        var (_, failedAttempts, _) = await OrchestratorProcess.CountEventsAsync(databasePath, executionIds);
        Assert.Equal(0, failedAttempts);
    }

    [Theory]
    [InlineData("Connect")]
    [InlineData("Push")]
    public async Task Step_CrashesEveryExecutorItReaches_FailsWithTheReasonAfterTheBoundedResends(string mode)
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        using var orchestrator = await OrchestratorProcess.StartAsync(databasePath, null, "--Dispatch:MaxLostDeliveries=1");
        var address = await orchestrator.Process.WaitForListeningAsync();
        var definition = new WorkflowDefinition { Id = "poison", DefaultRetryPolicy = new RetryPolicy { MaxAttempts = 1 } };
        definition.Steps["boom"] = new StepDefinition { Type = "crash" };
        var crashes = 0;
        TestProcess? executor = null;
        try
        {
            executor = OrchestratorProcess.StartConnectedExecutor(Path.Combine(_folder, "crash-0.jsonl"), address, $"--Executor:Mode={mode}");
            await orchestrator.WaitForExecutorsAsync(1);
            var executionId = (await orchestrator.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout()).ExecutionId;

            // Each crash kills the only replica; a new one replaces it, as an orchestration platform would.
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (await orchestrator.CountActiveAsync() > 0)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(120), "the poisoned execution did not end within 120 s");
                await Task.WhenAny(executor.Exited, Task.Delay(TimeSpan.FromMilliseconds(200)));
                if (executor.HasExited)
                {
                    Assert.True(++crashes <= 4, "the orchestrator kept re-sending a step that crashes every executor");
                    await executor.DisposeAsync();
                    executor = OrchestratorProcess.StartConnectedExecutor(Path.Combine(_folder, $"crash-{crashes}.jsonl"), address, $"--Executor:Mode={mode}");
                }
            }

            // The last crash ends the execution, so the loop may see the execution end before it sees that replica exit;
            // a replica started after the last crash never receives the step and stays up.
            await Task.WhenAny(executor.Exited, Task.Delay(TimeSpan.FromSeconds(5)));
            if (executor.HasExited)
            {
                crashes++;
            }

            var execution = (await orchestrator.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }).ResponseAsync.DefaultTimeout()).Execution;
            output.WriteLine($"{crashes} crashes; {execution.State}: {execution.Error}");
            Assert.Equal(ExecutionState.Failed, execution.State);
            Assert.Equal(2, crashes);
            Assert.Contains("Dispatch:MaxLostDeliveries", execution.Error.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (executor is not null)
            {
                await executor.DisposeAsync();
            }
        }
    }

    private static async Task<List<string>> SubmitAsync(OrchestratorProcess orchestrator, string prefix, int count, int steps, int milliseconds)
    {
        var ids = new List<string>();
        for (var index = 0; index < count; index++)
        {
            var definition = OrchestratorProcess.SleepChain($"{prefix}-{index % 7}", steps, milliseconds);
            ids.Add((await orchestrator.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout()).ExecutionId);
        }

        return ids;
    }

    private static async Task AssertAllSucceededAsync(OrchestratorProcess orchestrator, List<string> executionIds)
    {
        foreach (var executionId in executionIds)
        {
            var execution = (await orchestrator.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }).ResponseAsync.DefaultTimeout()).Execution;
            Assert.True(execution.State == ExecutionState.Succeeded, $"{executionId}: {execution.State} {execution.Error}");
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
