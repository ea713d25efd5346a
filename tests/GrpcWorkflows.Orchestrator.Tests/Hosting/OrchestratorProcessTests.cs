using Grpc.Net.Client;
using GrpcWorkflows.Orchestrator.Tests.Dispatch;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Hosting;

/// <summary>The orchestrator executable as a separate process: configuration errors, graceful stop and restart.</summary>
public sealed class OrchestratorProcessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-orch-").FullName;

    [Fact]
    public async Task Start_InvalidConfiguration_ExitsWithCodeTwoAndSaysWhatToChange()
    {
        await using var orchestrator = TestProcess.StartDotnet(
            "GrpcWorkflows.Orchestrator",
            ["--urls", "http://127.0.0.1:0", "--Dispatch:CircuitFailureRatio=3", "--Executors:HeartbeatInterval=00:01:00", "--Storage:Provider=memory"]);

        await orchestrator.WaitForExitAsync(AsyncTestHelpers.DefaultTimeoutSpan);

        Assert.Equal(2, orchestrator.ExitCode);
        Assert.Contains(orchestrator.Lines, l => l.Contains("Dispatch:CircuitFailureRatio", StringComparison.Ordinal));
        Assert.Contains(orchestrator.Lines, l => l.Contains("Executors:HeartbeatInterval", StringComparison.Ordinal));
        Assert.DoesNotContain(orchestrator.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GracefulStopMidRun_RestartOnTheSameDatabase_TheExecutionCompletes()
    {
        var port = DispatcherHarness.DeadAddress().Port;
        var url = $"http://127.0.0.1:{port}";
        string[] args =
        [
            "--urls", url, "--Storage:Provider=sqlite", $"--Storage:Sqlite:Path={Path.Combine(_folder, "orchestrator.db")}",
            "--Executors:LeaseDuration=00:00:03", "--Executors:HeartbeatInterval=00:00:00.5", "--Orchestrator:ShutdownGracePeriod=00:00:05",
        ];
        var first = TestProcess.StartDotnet("GrpcWorkflows.Orchestrator", args);
        await first.WaitForListeningAsync();
        await using var executor = TestProcess.StartDotnet("GrpcWorkflows.TestExecutor", ["--urls", "http://127.0.0.1:0", $"--Executor:OrchestratorAddress={url}"]);
        await executor.WaitForListeningAsync();
        using var channel = GrpcChannel.ForAddress(url);
        var workflows = new WorkflowService.WorkflowServiceClient(channel);
        var registry = new ExecutorRegistryService.ExecutorRegistryServiceClient(channel);
        await AsyncTestHelpers.WaitUntilAsync(async () => (await registry.ListExecutorsAsync(new ListExecutorsRequest())).Executors.Count == 1, "the executor registered");
        var definition = Define("restart", ("a", Step("sleep", """{"ms": 300}""")), ("b", Step("sleep", """{"ms": 300}""", "a")), ("c", Step("sleep", """{"ms": 300}""", "b")), ("d", Step("echo", """{"done": true}""", "c")));

        var submitted = await workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = submitted.ExecutionId })).Execution.Steps.Any(s => s.State == StepState.Succeeded),
            "the first step succeeded");
        await first.StopAsync();
        var firstExit = first.ExitCode;
        await first.DisposeAsync();
        await using var second = TestProcess.StartDotnet("GrpcWorkflows.Orchestrator", args);
        await second.WaitForListeningAsync();
        var events = await workflows.WatchToEndAsync(submitted.ExecutionId);

        Assert.Equal(0, firstExit);
        Assert.Equal(ExecutionState.Succeeded, events.FinalState());
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.True(events.Single(e => e.StepSucceeded?.StepId == "d").StepSucceeded.Output.Fields["done"].BoolValue);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A process may still hold the database for a moment; the OS cleans /tmp.
        }
    }
}
