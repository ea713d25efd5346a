using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;
using Kind = GrpcWorkflows.V1.ExecutionEvent.KindOneofCase;

namespace GrpcWorkflows.Engine.Tests.Scheduling;

/// <summary>
/// A step whose turn comes when an executor slot frees up goes out at once, and its start is stored with its
/// result (<see cref="EngineOptions.StartRecordDelay"/>) or alone once the delay passes: under a full executor,
/// one write per step instead of two, with the log in the order things happened.
/// </summary>
public sealed class HeldStartTests
{
    [Theory]
    [InlineData(100)]
    [InlineData(0)]
    public async Task FullExecutor_StartsOfWaitingStepsAreStoredWithTheirResults(int delayMilliseconds)
    {
        FaultyExecutionStore? store = null;
        await using var h = new EngineHarness(
            _ => AttemptScript.Succeed(5),
            o => o.StartRecordDelay = TimeSpan.FromMilliseconds(delayMilliseconds),
            wrapStore: s => store = new FaultyExecutionStore(s, seed: 1, writeFailureShare: 0, readFailureShare: 0));
        h.Dispatcher.Capacity["work"] = 2;
        await h.Engine.StartAsync().DefaultTimeout();
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add(await h.SubmitAsync(Define(S("a"), S("b", "a"), S("c", "b"))));
        }

        await h.RunUntilIdleAsync();

        foreach (var id in ids)
        {
            Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(id)).State);
            var events = await h.EventsAsync(id);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));

            // In the order things happened: each step READY, then its attempt started, then its result.
            foreach (var step in new[] { "a", "b", "c" })
            {
                var ready = events.FindIndex(e => e.StepReady?.StepId == step);
                var started = events.FindIndex(e => e.AttemptStarted?.StepId == step);
                var succeeded = events.FindIndex(e => e.StepSucceeded?.StepId == step);
                Assert.True(ready >= 0 && ready < started && started < succeeded, $"{id} step {step}: READY at {ready}, started at {started}, succeeded at {succeeded}");
            }
        }

        Assert.Equal(8 * 3, h.Dispatcher.Requests.Count);
        Assert.InRange(h.Dispatcher.MaxInFlight, 1, 2);
        var startsAlone = store!.Appends.Count(a => a.Kinds.All(k => k == Kind.AttemptStarted));
        if (delayMilliseconds == 0)
        {
            // Stored before it goes out: a step that waited for a slot costs a write of its own.
            Assert.True(startsAlone > 0, "with StartRecordDelay 0 some starts must have been stored alone");
        }
        else
        {
            Assert.Equal(0, startsAlone);
        }
    }

    [Fact]
    public async Task LongAttempt_ItsStartIsStoredAlone_OnceTheDelayPasses()
    {
        FaultyExecutionStore? store = null;
        await using var h = new EngineHarness(
            r => r.StepId == "slow" ? AttemptScript.Hang() : AttemptScript.Succeed(5),
            o => o.StartRecordDelay = TimeSpan.FromMilliseconds(100),
            wrapStore: s => store = new FaultyExecutionStore(s, seed: 1, writeFailureShare: 0, readFailureShare: 0));
        h.Dispatcher.Capacity["work"] = 1;
        await h.Engine.StartAsync().DefaultTimeout();
        var first = await h.SubmitAsync(Define(S("a")));
        var waiting = await h.SubmitAsync(Define(S("slow")));

        // The slot frees when the first step ends; the waiting step goes out at once, its start not stored yet.
        await h.RunUntilAsync(() => h.Dispatcher.Requests.Any(r => r.ExecutionId == waiting));
        Assert.DoesNotContain(await h.EventsAsync(waiting), e => e.AttemptStarted is not null);

        // Within the delay, stored alone (nothing else came), and watchers see it.
        var watch = h.Engine.WatchAsync(waiting, 1).GetAsyncEnumerator();
        h.Advance(TimeSpan.FromMilliseconds(100));
        var seen = new List<ExecutionEvent>();
        while (seen.All(e => e.AttemptStarted is null) && await watch.MoveNextAsync().AsTask().DefaultTimeout())
        {
            seen.Add(watch.Current);
        }

        var started = Assert.Single(await h.EventsAsync(waiting), e => e.AttemptStarted is not null);
        Assert.Equal("slow", started.AttemptStarted.StepId);
        Assert.Contains(store!.Appends, a => a.ExecutionId == waiting && a.Kinds.SequenceEqual([Kind.AttemptStarted]));
        Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(first)).State);
        await watch.DisposeAsync();
    }
}
