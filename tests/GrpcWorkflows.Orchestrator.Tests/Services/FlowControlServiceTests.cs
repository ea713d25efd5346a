using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>Flow control through the gRPC API: why a step or an execution waits is in GetExecution.</summary>
public sealed class FlowControlServiceTests
{
    [Fact]
    public async Task GetExecution_StepHeldByAFullConcurrencyKey_ShowsTheWaitingReason()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("hang");
        var step = Step("hang");
        step.Concurrency = new ConcurrencyLimit { Key = "db-{{ workflow.input.shard }}", Max = 1 };
        var definition = Define("keyed", ("a", step));
        var input = Json("""{"shard": "7"}""");

        var first = (await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Input = input }).ResponseAsync.DefaultTimeout()).ExecutionId;
        var second = (await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Input = input }).ResponseAsync.DefaultTimeout()).ExecutionId;

        StepExecution? held = null;
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (held = (await GetAsync(orchestrator, second)).Steps[0]).FlowWait is not null,
            "the second execution's step records why it waits");
        Assert.Equal(StepState.Ready, held!.State);
        Assert.Equal(FlowWaitKind.ConcurrencyKey, held.FlowWait.Kind);
        Assert.Equal("db-7", held.FlowWait.Key);
        Assert.Equal("concurrency key 'db-7' is full (1 of 1 running)", held.FlowWait.Reason);
        Assert.Equal(StepState.Running, (await GetAsync(orchestrator, first)).Steps[0].State);

        // Cancelling the first frees the key: the second's step starts.
        await orchestrator.Workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = first }).ResponseAsync.DefaultTimeout();
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await GetAsync(orchestrator, second)).Steps[0].State == StepState.Running,
            "the held step runs once the key is free");
        Assert.Null((await GetAsync(orchestrator, second)).Steps[0].FlowWait);
        await orchestrator.Workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = second }).ResponseAsync.DefaultTimeout();
    }

    [Fact]
    public async Task GetExecution_ExecutionQueuedByItsWorkflowKey_IsPendingWithTheReason()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("hang");
        var definition = Define("per-tenant", ("a", Step("hang")));
        definition.Concurrency = new ConcurrencyLimit { Key = "{{ workflow.input.tenant }}", Max = 1, Strategy = "queue" };
        var input = Json("""{"tenant": "acme"}""");

        var first = (await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Input = input }).ResponseAsync.DefaultTimeout()).ExecutionId;
        var second = (await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Input = input }).ResponseAsync.DefaultTimeout()).ExecutionId;

        var queued = await GetAsync(orchestrator, second);
        Assert.Equal(ExecutionState.Pending, queued.State);
        Assert.Equal(FlowWaitKind.ConcurrencyKey, queued.FlowWait.Kind);
        Assert.Equal("concurrency key 'acme' is full (1 of 1 running)", queued.FlowWait.Reason);

        await orchestrator.Workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = first }).ResponseAsync.DefaultTimeout();
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await GetAsync(orchestrator, second)).State == ExecutionState.Running,
            "the queued execution starts once the first one ends");
        await orchestrator.Workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = second }).ResponseAsync.DefaultTimeout();
    }

    private static async Task<Execution> GetAsync(TestOrchestrator orchestrator, string executionId)
        => (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }).ResponseAsync.DefaultTimeout()).Execution;
}
