using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.FlowControl;

/// <summary>Step-level flow control on a fake clock: concurrency keys, rate limits and priorities, and why a step waits.</summary>
public sealed class StepFlowControlTests
{
    private static WorkflowDefinition Keyed(string type, string key, int max)
    {
        var definition = Define(S("a"));
        definition.Steps["a"].Type = type;
        definition.Steps["a"].Concurrency = new ConcurrencyLimit { Key = key, Max = max };
        return definition;
    }

    [Fact]
    public async Task ConcurrencyKey_FullKey_StepsWaitReadyWithTheReasonAndTheLimitHolds()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(100), o => o.MaxParallelSteps = 50);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await h.SubmitAsync(Keyed("billing", "tenant-{{ workflow.input.tenant }}", 2), Json("""{"tenant": "acme"}""")));
        }

        // Another tenant's key is not held back by the full one.
        var other = await h.SubmitAsync(Keyed("billing", "tenant-{{ workflow.input.tenant }}", 2), Json("""{"tenant": "globex"}"""));
        h.Advance(TimeSpan.FromMilliseconds(1));

        var waiting = await h.GetAsync(ids[^1]);
        Assert.Equal(StepState.Ready, waiting.Steps[0].State);
        Assert.Equal(FlowWaitKind.ConcurrencyKey, waiting.Steps[0].FlowWait.Kind);
        Assert.Equal("tenant-acme", waiting.Steps[0].FlowWait.Key);
        Assert.Equal("concurrency key 'tenant-acme' is full (2 of 2 running)", waiting.Steps[0].FlowWait.Reason);
        Assert.Equal(StepState.Running, (await h.GetAsync(other)).Steps[0].State);
        Assert.Equal(3, h.Dispatcher.InFlight);

        await h.RunUntilIdleAsync();
        foreach (var id in ids)
        {
            var done = await h.GetAsync(id);
            Assert.Equal(ExecutionState.Succeeded, done.State);
            Assert.Null(done.Steps[0].FlowWait);
        }

        // 6 steps of 100 ms, 2 at a time: the last starts at 200 ms at the earliest.
        Assert.True(h.Time.GetUtcNow() - EngineHarness.Epoch >= TimeSpan.FromMilliseconds(300));
        var events = await h.EventsAsync(ids[^1]);
        Assert.Contains(events, e => e.StepThrottled is { Wait.Kind: FlowWaitKind.ConcurrencyKey });
        Assert.True(events.FindIndex(e => e.StepThrottled is not null) < events.FindIndex(e => e.AttemptStarted is not null));
    }

    [Fact]
    public async Task RateLimit_EmptyBucket_StepsWaitForTheRefillRatherThanFail()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(1));
        var definition = Define(S("a"), S("b"), S("c"), S("d"), S("e"));
        foreach (var step in definition.Steps.Values)
        {
            step.RateLimit = new RateLimit { Key = "api", Limit = 2, Period = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) };
        }

        var id = await h.SubmitAsync(definition);
        h.Advance(TimeSpan.FromMilliseconds(10));
        var execution = await h.GetAsync(id);
        Assert.Equal(2, execution.Steps.Count(s => s.State == StepState.Succeeded));
        var held = execution.Steps.Where(s => s.State == StepState.Ready).ToList();
        Assert.Equal(3, held.Count);
        Assert.All(held, s => Assert.Equal(FlowWaitKind.RateLimited, s.FlowWait.Kind));
        Assert.Contains("rate limit 'api' (2 per 00:00:01) has no token", held[0].FlowWait.Reason);

        await h.RunUntilIdleAsync(tickMilliseconds: 10);
        var done = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Succeeded, done.State);
        var starts = done.Steps.Select(s => s.StartTime.ToDateTimeOffset() - EngineHarness.Epoch).Order().ToList();
        Assert.True(starts[2] >= TimeSpan.FromSeconds(1) && starts[4] >= TimeSpan.FromSeconds(2), string.Join(", ", starts));
    }

    [Fact]
    public async Task StepTypeRateLimit_FromEngineOptions_LimitsEveryStepOfTheType()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(1), o => o.StepTypeRateLimits["work"] = new StepTypeRateLimit { Limit = 1, Period = TimeSpan.FromSeconds(1) });
        var id = await h.SubmitAsync(Define(S("a"), S("b"), S("c")));
        await h.RunUntilIdleAsync(tickMilliseconds: 10);

        var starts = (await h.GetAsync(id)).Steps.Select(s => s.StartTime.ToDateTimeOffset() - EngineHarness.Epoch).Order().ToList();
        Assert.True(starts[1] >= TimeSpan.FromSeconds(1) && starts[2] >= TimeSpan.FromSeconds(2), string.Join(", ", starts));
    }

    [Fact]
    public async Task Priority_HigherFirstAmongWaitingSteps_AndTheWaitIsVisible()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(10), o => o.MaxParallelSteps = 1);
        var blocker = Keyed("work", "lane", 1);
        await h.SubmitAsync(blocker);
        var low = Keyed("work", "lane", 1);
        low.Priority = 1;
        var high = Keyed("work", "lane", 1);
        high.Steps["a"].Priority = 5;
        var lowId = await h.SubmitAsync(low);
        var highId = await h.SubmitAsync(high);

        await h.RunUntilIdleAsync();
        var lowStart = (await h.GetAsync(lowId)).Steps[0].StartTime.ToDateTimeOffset();
        var highStart = (await h.GetAsync(highId)).Steps[0].StartTime.ToDateTimeOffset();
        Assert.True(highStart < lowStart, $"high {highStart:O}, low {lowStart:O}");
    }
}
