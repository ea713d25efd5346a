using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.FlowControl;

/// <summary>Workflow-level concurrency keys on a fake clock: queue, cancel_new and cancel_in_progress.</summary>
public sealed class WorkflowConcurrencyTests
{
    private static WorkflowDefinition Limited(string strategy, int max = 1)
    {
        var definition = Define(S("a"));
        definition.Concurrency = new ConcurrencyLimit { Key = "tenant-{{ workflow.input.tenant }}", Max = max, Strategy = strategy };
        return definition;
    }

    [Fact]
    public async Task Queue_KeyFull_NewExecutionStaysPendingWithTheReasonAndStartsWhenTheFirstFinishes()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(100));
        var first = await h.SubmitAsync(Limited("queue"), Json("""{"tenant": "acme"}"""));
        var second = await h.SubmitAsync(Limited("queue"), Json("""{"tenant": "acme"}"""));
        var other = await h.SubmitAsync(Limited("queue"), Json("""{"tenant": "globex"}"""));
        h.Advance(TimeSpan.FromMilliseconds(1));

        var queued = await h.GetAsync(second);
        Assert.Equal(ExecutionState.Pending, queued.State);
        Assert.Equal(FlowWaitKind.ConcurrencyKey, queued.FlowWait.Kind);
        Assert.Equal("concurrency key 'tenant-acme' is full (1 of 1 running)", queued.FlowWait.Reason);
        Assert.Equal(ExecutionState.Running, (await h.GetAsync(other)).State);
        Assert.Contains(await h.EventsAsync(second), e => e.ExecutionQueued is not null);

        await h.RunUntilIdleAsync();
        var firstDone = await h.GetAsync(first);
        var secondDone = await h.GetAsync(second);
        Assert.Equal(ExecutionState.Succeeded, secondDone.State);
        Assert.Null(secondDone.FlowWait);
        Assert.True(secondDone.StartTime.ToDateTimeOffset() >= firstDone.EndTime.ToDateTimeOffset());
    }

    [Fact]
    public async Task CancelNew_KeyFull_NewExecutionIsCancelledWithTheReason()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(100));
        var first = await h.SubmitAsync(Limited("cancel_new"), Json("""{"tenant": "acme"}"""));
        var second = await h.SubmitAsync(Limited("cancel_new"), Json("""{"tenant": "acme"}"""));
        await h.RunUntilIdleAsync();

        Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(first)).State);
        var cancelled = await h.GetAsync(second);
        Assert.Equal(ExecutionState.Cancelled, cancelled.State);
        Assert.Contains("concurrency key 'tenant-acme' is full (1 of 1 running) and its strategy is cancel_new", cancelled.Error.Message);
        Assert.DoesNotContain(h.Dispatcher.Requests, r => r.ExecutionId == second);
    }

    [Fact]
    public async Task CancelInProgress_KeyFull_OldestRunningIsCancelledAndTheNewOneRuns()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(100));
        var first = await h.SubmitAsync(Limited("cancel_in_progress"), Json("""{"tenant": "acme"}"""));
        h.Advance(TimeSpan.FromMilliseconds(10));
        var second = await h.SubmitAsync(Limited("cancel_in_progress"), Json("""{"tenant": "acme"}"""));
        await h.RunUntilIdleAsync();

        var superseded = await h.GetAsync(first);
        Assert.Equal(ExecutionState.Cancelled, superseded.State);
        Assert.Contains($"superseded by execution {second}", superseded.Error.Message);
        Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(second)).State);
    }

    [Fact]
    public async Task Queue_QueuedExecutionCancelledByAClient_EndsCancelledAndNeverRuns()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(100));
        await h.SubmitAsync(Limited("queue"), Json("""{"tenant": "acme"}"""));
        var second = await h.SubmitAsync(Limited("queue"), Json("""{"tenant": "acme"}"""));
        var third = await h.SubmitAsync(Limited("queue"), Json("""{"tenant": "acme"}"""));

        Assert.Equal(ExecutionState.Cancelled, await h.Engine.CancelAsync(second, "not needed").WaitAsync(TimeSpan.FromSeconds(30)));
        await h.RunUntilIdleAsync();

        Assert.Equal(ExecutionState.Cancelled, (await h.GetAsync(second)).State);
        Assert.DoesNotContain(h.Dispatcher.Requests, r => r.ExecutionId == second);
        Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(third)).State);
    }

    [Fact]
    public async Task Submit_KeyTemplateNotInTheInput_IsRejectedWithTheFieldPath()
    {
        await using var h = await EngineHarness.StartAsync();
        var error = await Assert.ThrowsAsync<WorkflowValidationException>(() => h.SubmitAsync(Limited("queue"), Json("""{"region": "eu"}""")));
        Assert.Contains(error.Result.Problems, p => p.Field == "concurrency.key" && p.Description.StartsWith("the key 'tenant-{{ workflow.input.tenant }}' cannot be resolved over this workflow input", StringComparison.Ordinal));
    }
}
