using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.EndToEnd;

/// <summary>The per-endpoint in-flight budget under load.</summary>
public sealed class CapacityTests
{
    [Fact]
    public async Task TwoHundredExecutions_ExecutorWithCapacityFour_NeverMoreThanFourInFlightAndAllComplete()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Engine:MaxParallelSteps"] = "256" });
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address, maxConcurrency: 4);
        await orchestrator.WaitForExecutorsAsync("count");
        var definition = Define("count", ("c", Step("count", """{"ms": 5}""")));

        var submitted = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ =>
            orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync)).DefaultTimeout();
        var executions = await Task.WhenAll(submitted.Select(async s =>
        {
            await orchestrator.Workflows.WatchToEndAsync(s.ExecutionId);
            return (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = s.ExecutionId })).Execution;
        })).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.All(executions, e => Assert.Equal(ExecutionState.Succeeded, e.State));
        // Every step succeeded on its first attempt: the executor (which enforces 4 too) never had to refuse a call.
        Assert.All(executions, e => Assert.Equal(1, e.Steps.Single().Attempts));
        var maxSeen = executions.Max(e => e.Steps.Single().Output.Fields["max_in_flight"].NumberValue);
        Assert.InRange(maxSeen, 2, 4);
        Assert.InRange(executor.Steps.MaxInFlight, 2, 4);
    }
}
