using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Scheduling;

/// <summary>
/// A call that never reached an executor is not an attempt: the step waits, visibly, for a reachable
/// executor, goes as soon as one is back, and fails with a clear reason only after the maximum wait.
/// </summary>
public sealed class ExecutorOutageTests
{
    [Fact]
    public async Task Attempt_NeverReachesAnExecutor_CostsNoAttemptAndTheStepWaitsVisiblyUntilTheExecutorIsBack()
    {
        var down = true;
        await using var h = await EngineHarness.StartAsync(_ => Volatile.Read(ref down) ? AttemptScript.Undelivered(1) : AttemptScript.Succeed(1));
        h.Dispatcher.Reachable = _ => !Volatile.Read(ref down);
        var id = await h.SubmitAsync(WithOneAttempt(Define(S("a"), S("b", "a"))));

        await h.RunUntilAsync(() => !h.Dispatcher.Requests.IsEmpty && h.Dispatcher.InFlight == 0);
        h.Advance(TimeSpan.FromMinutes(1));

        var waiting = (await h.GetAsync(id)).Steps.Single(s => s.StepId == "a");
        Assert.Equal(StepState.Ready, waiting.State);
        Assert.Equal(0, waiting.Attempts);
        Assert.Empty(waiting.AttemptHistory);
        Assert.Contains("connection refused", waiting.ExecutorWait.Reason, StringComparison.Ordinal);
        var undeliveredAt = EngineHarness.Epoch.AddMilliseconds(1); // the scripted call takes 1 ms
        Assert.Equal(undeliveredAt, waiting.ExecutorWait.Since.ToDateTimeOffset());
        Assert.Equal(undeliveredAt + h.Options.MaxExecutorWait, waiting.ExecutorWait.Deadline.ToDateTimeOffset());
        Assert.Single(h.Dispatcher.Requests); // parked: not sent again while unreachable

        Volatile.Write(ref down, false);
        h.Dispatcher.SetReachable(_ => true);
        await h.RunUntilIdleAsync();

        var execution = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Succeeded, execution.State);
        var a = execution.Steps.Single(s => s.StepId == "a");
        Assert.Equal(1, a.Attempts);
        Assert.Null(a.ExecutorWait);
        Assert.All(h.Dispatcher.Requests.Where(r => r.StepId == "a"), r => Assert.Equal((1, $"{id}:a:1"), (r.Attempt, r.IdempotencyKey)));
        var events = await h.EventsAsync(id);
        Assert.DoesNotContain(events, e => e.AttemptFailed is not null);
        Assert.Single(events, e => e.AwaitingExecutor is not null);
        Assert.Equal(id, Assert.Single(events, e => e.AwaitingExecutor is not null).ExecutionId);
    }

    [Fact]
    public async Task Attempt_UndeliveredManyTimesInARow_NeverUsesUpTheRetryPolicy()
    {
        // Reachable says yes, yet the calls keep failing before the executor (a flapping endpoint):
        // every send comes back undelivered and none of them is counted.
        var sends = 0;
        await using var h = await EngineHarness.StartAsync(_ => Interlocked.Increment(ref sends) <= 10 ? AttemptScript.Undelivered(5) : AttemptScript.Succeed(1));
        var id = await h.SubmitAsync(WithOneAttempt(Define(S("a"))));

        await h.RunUntilIdleAsync();

        var a = (await h.GetAsync(id)).Steps.Single();
        Assert.Equal(StepState.Succeeded, a.State);
        Assert.Equal(1, a.Attempts);
        Assert.Equal(11, Volatile.Read(ref sends));
        Assert.Single(a.AttemptHistory);
    }

    [Fact]
    public async Task Attempt_NoExecutorBackWithinTheMaximumWait_FailsTheStepWithAClearReason()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Undelivered(1, "no executor is registered for step type 'task'"), o => o.MaxExecutorWait = TimeSpan.FromSeconds(30));
        h.Dispatcher.Reachable = _ => false;
        var id = await h.SubmitAsync(Define(S("a"), S("b", "a")));

        await h.RunUntilAsync(() => h.Engine.ActiveExecutionCount == 0, tickMilliseconds: 100);

        var execution = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Failed, execution.State);
        var a = execution.Steps.Single(s => s.StepId == "a");
        Assert.Equal(StepState.Failed, a.State);
        Assert.Equal(0, a.Attempts);
        Assert.Equal("UNAVAILABLE", a.Error.Code);
        Assert.Contains("could be reached", a.Error.Message, StringComparison.Ordinal);
        Assert.Contains("Engine:MaxExecutorWait", a.Error.Message, StringComparison.Ordinal);
        Assert.Contains("no executor is registered for step type 'task'", a.Error.Message, StringComparison.Ordinal);
        Assert.Equal(StepState.Skipped, execution.Steps.Single(s => s.StepId == "b").State);
        var failed = (await h.EventsAsync(id)).Single(e => e.StepFailed is not null);
        var deadline = EngineHarness.Epoch.AddMilliseconds(1).AddSeconds(30);
        Assert.InRange(failed.Time.ToDateTimeOffset(), deadline, deadline.AddMilliseconds(100)); // the clock moves in 100 ms ticks
        Assert.Single(h.Dispatcher.Requests);
    }

    [Fact]
    public async Task Attempt_UndeliveredThenRealFailure_OnlyTheRealFailureCounts()
    {
        var sends = 0;
        await using var h = await EngineHarness.StartAsync(_ => Interlocked.Increment(ref sends) switch
        {
            1 => AttemptScript.Undelivered(1),
            2 => AttemptScript.Fail(1, "UNAVAILABLE"),
            _ => AttemptScript.Succeed(1),
        });
        var id = await h.SubmitAsync(Define(S("a")));

        await h.RunUntilIdleAsync();

        var a = (await h.GetAsync(id)).Steps.Single();
        Assert.Equal(StepState.Succeeded, a.State);
        Assert.Equal(2, a.Attempts);
        Assert.Equal(["UNAVAILABLE", string.Empty], a.AttemptHistory.Select(x => x.Error?.Code ?? string.Empty));
    }

    [Fact]
    public async Task Start_StepWaitingForAnExecutorAtACrash_KeepsItsDeadlineAndAttemptNumber()
    {
        var first = new EngineHarness(_ => AttemptScript.Undelivered(1), o => o.MaxExecutorWait = TimeSpan.FromMinutes(2));
        first.Dispatcher.Reachable = _ => false;
        await first.Engine.StartAsync().DefaultTimeout();
        var id = await first.SubmitAsync(Define(S("a")));
        await first.RunUntilAsync(() => first.Dispatcher.Requests.Count == 1 && first.Dispatcher.InFlight == 0);
        first.Advance(TimeSpan.FromMinutes(1));
        await first.DisposeAsync();

        await using var second = new EngineHarness(_ => AttemptScript.Succeed(1), store: first.Store, time: first.Time);
        await second.Engine.StartAsync().DefaultTimeout();
        await second.RunUntilIdleAsync();

        var a = (await second.GetAsync(id)).Steps.Single();
        Assert.Equal(StepState.Succeeded, a.State);
        Assert.Equal(1, a.Attempts);
        Assert.Equal($"{id}:a:1", Assert.Single(second.Dispatcher.Requests).IdempotencyKey);
    }

    private static WorkflowDefinition WithOneAttempt(WorkflowDefinition definition)
    {
        definition.DefaultRetryPolicy = new RetryPolicy { MaxAttempts = 1 };
        return definition;
    }
}
