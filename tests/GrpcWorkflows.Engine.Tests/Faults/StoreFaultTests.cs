using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using Xunit.Abstractions;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Faults;

/// <summary>A store that cannot write: executions wait in memory, nothing leaks, and work resumes by itself.</summary>
public sealed class StoreFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Append_StoreFailsForAWhile_ExecutionsWaitInMemoryAndResumeWithoutRestart()
    {
        FaultyExecutionStore? faulty = null;
        await using var h = new EngineHarness(
            _ => AttemptScript.Succeed(5),
            o => o.MaxParallelSteps = 2,
            wrapStore: s => faulty = new FaultyExecutionStore(s, seed: 1, writeFailureShare: 1.0, readFailureShare: 0) { Enabled = false });
        h.Dispatcher.Capacity["work"] = 2;
        await h.Engine.StartAsync().DefaultTimeout();
        var before = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            before.Add(await h.SubmitAsync(Define(S("a"), S("b", "a"), S("c", "a"))));
        }

        faulty!.Enabled = true;
        h.Advance(TimeSpan.FromSeconds(60));
        await Task.Yield();
        h.Advance(TimeSpan.FromSeconds(60));

        // Every append fails: nothing is dropped, and the store counts as failing.
        Assert.Equal(6, h.Engine.ActiveExecutionCount);
        Assert.NotNull(h.Engine.StoreFailure);
        Assert.True(faulty.WriteFaults > 6, $"{faulty.WriteFaults} injected write faults");
        var submitWhileFull = await Assert.ThrowsAsync<StoreUnavailableException>(() => h.Engine.SubmitAsync(new SubmitWorkflowRequest { Definition = Define(S("a")) })).DefaultTimeout();
        Assert.Contains("nothing was written", submitWhileFull.Message, StringComparison.Ordinal);
        Assert.Equal(6, h.Engine.ActiveExecutionCount);

        // Space freed: the waiting executions and new ones all finish, with no restart.
        faulty.Enabled = false;
        await h.RunUntilIdleAsync();
        Assert.Null(h.Engine.StoreFailure);
        var after = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            after.Add(await h.SubmitAsync(Define(S("a"), S("b", "a"))));
        }

        await h.RunUntilIdleAsync();
        foreach (var id in before.Concat(after))
        {
            Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(id)).State);
            Assert.Single(await h.EventsAsync(id), e => e.Finished is not null);
        }

        Assert.InRange(h.Dispatcher.MaxInFlight, 1, 2);
        output.WriteLine($"{faulty.WriteFaults} injected write faults; {h.Dispatcher.Requests.Count} attempts for {(6 * 3) + (6 * 2)} steps");
        Assert.Equal((6 * 3) + (6 * 2), h.Dispatcher.Requests.Count);
    }

    [Fact]
    public async Task Append_LogMovedOn_ExecutionDroppedWithoutLeakingItsSlotsAndWatchersGetAnError()
    {
        FaultyExecutionStore? faulty = null;
        await using var h = new EngineHarness(
            _ => AttemptScript.Succeed(5),
            o => o.MaxParallelSteps = 1,
            wrapStore: s => faulty = new FaultyExecutionStore(s, seed: 1, writeFailureShare: 0, readFailureShare: 0));
        h.Dispatcher.Capacity["work"] = 1;
        await h.Engine.StartAsync().DefaultTimeout();
        var dropped = await h.SubmitAsync(Define(S("a"), S("b", "a")));
        var watch = CollectAsync(h.Engine.WatchAsync(dropped, 1));
        faulty!.ConflictingExecution = dropped;
        await h.RunUntilAsync(() => h.Engine.ActiveExecutionCount == 0);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => watch).DefaultTimeout();
        Assert.Contains(dropped, error.Message, StringComparison.Ordinal);

        // The dropped execution had taken the only slot with its undispatched attempt: it is given back.
        var next = await h.SubmitAsync(Define(S("a"), S("b", "a")));
        await h.RunUntilIdleAsync();
        Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(next)).State);

        // A later watch of the dropped execution ends with an error, not with OK and no terminal event.
        await Assert.ThrowsAsync<StoreUnavailableException>(() => CollectAsync(h.Engine.WatchAsync(dropped, 1))).DefaultTimeout();
    }

    [Fact]
    public async Task Start_StoreReadsFailAtFirst_RecoveryRetriesAndLosesNothing()
    {
        var first = new EngineHarness(_ => AttemptScript.Hang());
        await first.Engine.StartAsync().DefaultTimeout();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await first.SubmitAsync(Define(S("a"), S("b", "a"))));
        }

        await first.RunUntilAsync(() => first.Dispatcher.InFlight == 5);
        await first.Engine.StopAsync(new CancellationToken(canceled: true)).DefaultTimeout();
        await first.DisposeAsync();

        const int Seed = 12;
        output.WriteLine($"seed {Seed}");
        FaultyExecutionStore? faulty = null;
        await using var second = new EngineHarness(_ => AttemptScript.Succeed(1), store: first.Store, time: first.Time, wrapStore: s => faulty = new FaultyExecutionStore(s, Seed, 0, readFailureShare: 0.5));
        var start = second.Engine.StartAsync();
        await second.RunUntilAsync(() => start.IsCompleted);
        await start.DefaultTimeout();
        await second.RunUntilIdleAsync();

        Assert.True(faulty!.ReadFaults > 0, "no read fault was injected");
        faulty.Enabled = false;
        foreach (var id in ids)
        {
            Assert.Equal(ExecutionState.Succeeded, (await second.GetAsync(id)).State);
        }
    }

    private static async Task<List<ExecutionEvent>> CollectAsync(IAsyncEnumerable<ExecutionEvent> events)
    {
        var list = new List<ExecutionEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }

        return list;
    }
}
