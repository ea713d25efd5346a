using System.Collections.Concurrent;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.EndToEnd;

/// <summary>Two executor replicas as separate OS processes; one is killed in the middle of a run.</summary>
public sealed class ReplicaFailoverTests
{
    [Fact]
    public async Task TwoReplicas_OneKilledMidRun_AllCompleteTheDeadOneIsNotServingAndItsLeaseExpires()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Engine:MaxParallelSteps"] = "64" });
        await using var doomed = StartReplica(orchestrator.Address);
        await using var survivor = StartReplica(orchestrator.Address);
        var doomedUrl = await doomed.WaitForListeningAsync();
        var survivorUrl = await survivor.WaitForListeningAsync();
        await orchestrator.WaitForExecutorsAsync("sleep", count: 2);
        var definition = Define(
            "replicas",
            ("a", Step("sleep", """{"ms": 40}""")),
            ("b", Step("sleep", """{"ms": 40}""", "a")),
            ("c", Step("sleep", """{"ms": 40}""", "b")),
            ("d", Step("sleep", """{"ms": 40}""", "c")),
            ("e", Step("sleep", """{"ms": 40}""", "d")));
        definition.DefaultRetryPolicy = FastRetry(maxAttempts: 10, initialMs: 50);

        var observed = new ConcurrentBag<ExecutorInfo>();
        using var stopWatching = new CancellationTokenSource();
        var watcher = WatchRegistryAsync(orchestrator, observed, stopWatching.Token);
        var submitted = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync)).DefaultTimeout();
        var runs = submitted.Select(s => orchestrator.Workflows.WatchToEndAsync(s.ExecutionId)).ToList();
        await AsyncTestHelpers.WaitUntilAsync(
            () => orchestrator.ExecutorRegistry.EndpointsFor("sleep").Any(e => e.Uri.Port == doomedUrl.Port && e.InFlight > 0),
            "the doomed replica has calls in flight");
        doomed.Kill();

        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(90));
        await AsyncTestHelpers.WaitUntilAsync(
            () => orchestrator.ExecutorRegistry.List().All(e => !e.Endpoint.EndsWith($":{doomedUrl.Port}", StringComparison.Ordinal)),
            "the dead replica's lease expired");
        await stopWatching.CancelAsync();
        await watcher;

        Assert.All(results, events => Assert.Equal(ExecutionState.Succeeded, events.FinalState()));
        // Its first refused or reset call marks it unreachable (no more calls until it can be connected to); no step failed for it.
        Assert.Contains(observed, e => e.Endpoint.EndsWith($":{doomedUrl.Port}", StringComparison.Ordinal) && e.Health == ExecutorHealth.NotServing);
        var remaining = Assert.Single(orchestrator.ExecutorRegistry.List("sleep"));
        Assert.EndsWith($":{survivorUrl.Port}", remaining.Endpoint, StringComparison.Ordinal);
        Assert.Equal(ExecutorHealth.Serving, remaining.Health);
    }

    private static TestProcess StartReplica(Uri orchestrator)
        => TestProcess.StartDotnet("GrpcWorkflows.TestExecutor", ["--urls", "http://127.0.0.1:0", $"--Executor:OrchestratorAddress={orchestrator}", "--Executor:MaxConcurrency=4", "--Executor:Mode=Push"]);

    private static async Task WatchRegistryAsync(TestOrchestrator orchestrator, ConcurrentBag<ExecutorInfo> observed, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var listed = await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest { StepType = "sleep" }, cancellationToken: cancellationToken);
                foreach (var info in listed.Executors)
                {
                    observed.Add(info);
                }

                await Task.Delay(20, cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or Grpc.Core.RpcException && cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
