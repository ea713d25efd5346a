using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Events;

public sealed class EventLogTests
{
    [Fact]
    public async Task EventLog_IsGapFreeAndReplaysToTheLiveState()
    {
        await using var h = await EngineHarness.StartAsync(r => r.StepId == "b" && r.Attempt == 1 ? AttemptScript.Fail(2, "UNAVAILABLE") : AttemptScript.Succeed(3));
        var id = await h.SubmitAsync(Define(S("a"), S("b", "a"), S("c", "a"), S("d", "b", "c")));
        await h.RunUntilIdleAsync();

        var events = await h.EventsAsync(id);
        var live = await h.GetAsync(id);
        live.Figures = null;

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(live, ExecutionStateFold.Replay(events));
        Assert.Equal(ExecutionEvent.KindOneofCase.Submitted, events[0].KindCase);
        Assert.Equal(ExecutionEvent.KindOneofCase.Finished, events[^1].KindCase);
    }

    [Fact]
    public async Task Watch_FromStart_ReplaysThenTailsUntilFinished()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(10));
        var id = await h.SubmitAsync(Define(S("a"), S("b", "a")));
        var seen = new List<ExecutionEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in h.Engine.WatchAsync(id, 0))
            {
                lock (seen)
                {
                    seen.Add(e);
                }
            }
        });
        await AsyncTestHelpers.WaitUntilAsync(() => { lock (seen) { return seen.Count > 0; } }, "the watcher sees the first events");

        await h.RunUntilIdleAsync();
        await watching.DefaultTimeout();

        Assert.Equal((await h.EventsAsync(id)).Select(e => e.Sequence), seen.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Watch_FinishedExecutionFromMiddle_ReplaysTheRestAndEnds()
    {
        await using var h = await EngineHarness.StartAsync();
        var id = await h.SubmitAsync(Define(S("a")));
        await h.RunUntilIdleAsync();

        var seen = new List<long>();
        await foreach (var e in h.Engine.WatchAsync(id, 3).WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
        {
            seen.Add(e.Sequence);
        }

        Assert.Equal(Enumerable.Range(3, (await h.EventsAsync(id)).Count - 2).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task Watch_UnknownExecution_Throws()
    {
        await using var h = await EngineHarness.StartAsync();

        await Assert.ThrowsAsync<ExecutionNotFoundException>(async () =>
        {
            await foreach (var e in h.Engine.WatchAsync("nope", 0))
            {
                Assert.Fail($"unexpected event {e}");
            }
        });
    }

    [Fact]
    public async Task Watch_SlowWatcher_CatchesUpFromTheStoreWithoutGapsAndNeverBlocksTheEngine()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(1), o => { o.WatcherBufferSize = 4; o.MaxParallelSteps = 50; });
        var id = await h.SubmitAsync(Define([.. Enumerable.Range(0, 200).Select(i => S($"s{i:000}"))]));
        await using var enumerator = h.Engine.WatchAsync(id, 1).GetAsyncEnumerator();
        Assert.True(await enumerator.MoveNextAsync().AsTask().DefaultTimeout());
        var seen = new List<long> { enumerator.Current.Sequence };

        await h.RunUntilIdleAsync();
        while (await enumerator.MoveNextAsync().AsTask().DefaultTimeout())
        {
            seen.Add(enumerator.Current.Sequence);
        }

        var stored = await h.EventsAsync(id);
        Assert.Equal(stored.Select(e => e.Sequence), seen);
        Assert.Equal(ExecutionEvent.KindOneofCase.Finished, stored[^1].KindCase);
    }

    [Fact]
    public async Task Watch_ManyWatchers_AllSeeEveryEventOnce()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(2));
        var id = await h.SubmitAsync(Define(S("a"), S("b", "a"), S("c", "a")));
        var watchers = Enumerable.Range(0, 5).Select(_ => Task.Run(async () =>
        {
            var list = new List<long>();
            await foreach (var e in h.Engine.WatchAsync(id, 1))
            {
                list.Add(e.Sequence);
            }

            return list;
        })).ToArray();

        await h.RunUntilIdleAsync();
        var results = await Task.WhenAll(watchers).DefaultTimeout();

        var expected = (await h.EventsAsync(id)).Select(e => e.Sequence).ToList();
        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
