using Grpc.Core;
using GrpcWorkflows.Client.Tests.Infrastructure;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Client.Tests.Watching;

public sealed class WatchAsyncTests
{
    [Fact]
    public async Task WatchAsync_StreamBreaksTwice_ResumesFromNextSequenceAndDeliversEveryEventOnce()
    {
        var service = new ScriptedWorkflowService(eventCount: 10);
        var sixthSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        service.ScriptWatch(
            new StreamScript(3, StreamBreak.Unavailable),
            new StreamScript(3, StreamBreak.AbortConnection, BreakAfter: sixthSeen.Task),
            StreamScript.ToTheEnd);
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = ClientFactory.Create(server.Address);

        var seen = await ClientFactory.CollectAsync(client.WatchAsync(ScriptedWorkflowService.ExecutionId), signalAt: 6, sixthSeen).DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), seen.Select(e => e.Sequence));
        Assert.Equal("Finished", seen[^1].Kind);
        Assert.Equal([1L, 4L, 7L], service.WatchFromSequences);
    }

    [Fact]
    public async Task WatchAsync_ServerRepeatsEventsAfterResume_DeliversEachSequenceOnce()
    {
        var service = new ScriptedWorkflowService(eventCount: 8);
        service.ScriptWatch(
            new StreamScript(5, StreamBreak.Unavailable),
            new StreamScript(int.MaxValue, StreamBreak.None, ReplayOverlap: 3));
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = ClientFactory.Create(server.Address);

        var seen = await ClientFactory.CollectAsync(client.WatchAsync(ScriptedWorkflowService.ExecutionId)).DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), seen.Select(e => e.Sequence));
    }

    [Fact]
    public async Task WatchAsync_FromSequence_StartsThere()
    {
        var service = new ScriptedWorkflowService(eventCount: 6);
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = ClientFactory.Create(server.Address);

        var seen = await ClientFactory.CollectAsync(client.WatchAsync(ScriptedWorkflowService.ExecutionId, fromSequence: 4)).DefaultTimeout();

        Assert.Equal([4L, 5L, 6L], seen.Select(e => e.Sequence));
    }

    [Fact]
    public async Task WatchAsync_ServerStaysDown_ThrowsUnavailableAfterMaxAttempts()
    {
        var service = new ScriptedWorkflowService(eventCount: 5);
        service.ScriptWatch([.. Enumerable.Repeat(new StreamScript(0, StreamBreak.Unavailable), 10)]);
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = ClientFactory.Create(server.Address, maxResumeAttempts: 2);

        var error = await Assert.ThrowsAsync<RpcException>(() => ClientFactory.CollectAsync(client.WatchAsync(ScriptedWorkflowService.ExecutionId))).DefaultTimeout();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(3, service.WatchFromSequences.Count);
    }

    [Fact]
    public async Task WatchAsync_UnknownExecution_ThrowsNotFoundWithoutRetrying()
    {
        var service = new ScriptedWorkflowService(eventCount: 5);
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = ClientFactory.Create(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => ClientFactory.CollectAsync(client.WatchAsync("nope"))).DefaultTimeout();

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Single(service.WatchFromSequences);
    }

    [Fact]
    public async Task WatchAsync_FromPastTheEndOfAFinishedExecution_EndsWithoutEvents()
    {
        var service = new ScriptedWorkflowService(eventCount: 4);
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = ClientFactory.Create(server.Address);

        var seen = await ClientFactory.CollectAsync(client.WatchAsync(ScriptedWorkflowService.ExecutionId, fromSequence: 5)).DefaultTimeout();

        Assert.Empty(seen);
        Assert.Single(service.WatchFromSequences);
    }
}
