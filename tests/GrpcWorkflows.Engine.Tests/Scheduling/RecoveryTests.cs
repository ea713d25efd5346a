using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Scheduling;

public sealed class RecoveryTests
{
    [Fact]
    public async Task Start_InFlightAttemptAtStop_IsDispatchedAgainWithTheSameIdempotencyKey()
    {
        var first = new EngineHarness(r => r.StepId == "a" ? AttemptScript.Hang() : AttemptScript.Succeed(1));
        await first.Engine.StartAsync().DefaultTimeout();
        var id = await first.SubmitAsync(Define(S("a"), S("b", "a")));
        await first.RunUntilAsync(() => first.Dispatcher.InFlight == 1);
        await first.Engine.StopAsync(new CancellationToken(canceled: true)).DefaultTimeout();
        await first.DisposeAsync();

        await using var second = new EngineHarness(_ => AttemptScript.Succeed(1), store: first.Store, time: first.Time);
        await second.Engine.StartAsync().DefaultTimeout();
        await second.RunUntilIdleAsync();

        Assert.Equal([($"{id}:a", 1)], first.Dispatcher.Requests.Select(r => (r.IdempotencyKey, r.Attempt)));
        Assert.Equal([($"{id}:a", 1), ($"{id}:b", 1)], second.Dispatcher.Requests.Select(r => (r.IdempotencyKey, r.Attempt)));
        var execution = await second.GetAsync(id);
        Assert.Equal(ExecutionState.Succeeded, execution.State);
        Assert.Equal(1, execution.Steps.Single(s => s.StepId == "a").Attempts);
        var events = await second.EventsAsync(id);
        Assert.Single(events, e => e.AttemptStarted?.StepId == "a");
    }

    [Fact]
    public async Task Start_StepWaitingToRetry_ResumesAtItsRecordedDueTime()
    {
        var first = new EngineHarness(_ => AttemptScript.Fail(1, "UNAVAILABLE"));
        await first.Engine.StartAsync().DefaultTimeout();
        var definition = Define(S("a"));
        definition.DefaultRetryPolicy = new RetryPolicy { InitialBackoff = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(10)), Jitter = 0 };
        var id = await first.SubmitAsync(definition);
        await first.RunUntilAsync(() => first.Dispatcher.Requests.Count == 1 && first.Dispatcher.InFlight == 0);
        first.Advance(TimeSpan.FromSeconds(2));
        await first.Engine.StopAsync().DefaultTimeout();
        await first.DisposeAsync();

        await using var second = new EngineHarness(_ => AttemptScript.Succeed(1), store: first.Store, time: first.Time);
        await second.Engine.StartAsync().DefaultTimeout();
        second.Advance(TimeSpan.FromMilliseconds(7998));
        Assert.Empty(second.Dispatcher.Requests);
        await second.RunUntilIdleAsync();

        var step = (await second.GetAsync(id)).Steps.Single();
        Assert.Equal(StepState.Succeeded, step.State);
        Assert.Equal(EngineHarness.Epoch.AddMilliseconds(10_001), step.AttemptHistory[1].StartTime.ToDateTimeOffset());
        var resent = Assert.Single(second.Dispatcher.Requests);
        Assert.Equal(($"{id}:a", 2), (resent.IdempotencyKey, resent.Attempt));
    }

    [Fact]
    public async Task Start_SubmittedButNeverStarted_Runs()
    {
        var first = new EngineHarness(_ => AttemptScript.Hang(), o => o.MaxParallelSteps = 1);
        await first.Engine.StartAsync().DefaultTimeout();
        var blocker = await first.SubmitAsync(Define(S("x")));
        var id = await first.SubmitAsync(Define(S("a"), S("b", "a")));
        await first.Engine.StopAsync(new CancellationToken(canceled: true)).DefaultTimeout();
        await first.DisposeAsync();

        await using var second = new EngineHarness(_ => AttemptScript.Succeed(1), store: first.Store, time: first.Time);
        await second.Engine.StartAsync().DefaultTimeout();
        await second.RunUntilIdleAsync();

        Assert.Equal(ExecutionState.Succeeded, (await second.GetAsync(id)).State);
        Assert.Equal(ExecutionState.Succeeded, (await second.GetAsync(blocker)).State);
    }
}
