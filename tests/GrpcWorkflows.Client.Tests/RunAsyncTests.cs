using Grpc.Core;
using GrpcWorkflows.Client.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Tests;

public sealed class RunAsyncTests
{
    private static RunWorkflowRequest Request(string idempotencyKey = "") => new()
    {
        Submit = new SubmitWorkflowRequest
        {
            Definition = new WorkflowDefinition { Id = "wf", Steps = { ["a"] = new StepDefinition { Type = "input" } } },
            IdempotencyKey = idempotencyKey,
        },
    };

    [Fact]
    public async Task RunAsync_StreamBreaksAfterSomeEvents_ContinuesWithWatchAndDeliversEveryEventOnce()
    {
        var service = new ScriptedWorkflowService(eventCount: 7);
        var thirdSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        service.ScriptRun(new StreamScript(3, StreamBreak.AbortConnection, BreakAfter: thirdSeen.Task));
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = ClientFactory.Create(server.Address);

        var seen = await ClientFactory.CollectAsync(client.RunAsync(Request()), signalAt: 3, thirdSeen).DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), seen.Select(e => e.Sequence));
        Assert.Equal([4L], service.WatchFromSequences);
    }

    [Fact]
    public async Task RunAsync_BreaksBeforeFirstEventWithIdempotencyKey_ResubmitsWithTheKeyAndWatchesFromTheStart()
    {
        var service = new ScriptedWorkflowService(eventCount: 5);
        service.ScriptRun(new StreamScript(0, StreamBreak.Unavailable));
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = ClientFactory.Create(server.Address);

        var seen = await ClientFactory.CollectAsync(client.RunAsync(Request("key-42"))).DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 5).Select(i => (long)i), seen.Select(e => e.Sequence));
        var submission = Assert.Single(service.Submissions);
        Assert.Equal("key-42", submission.IdempotencyKey);
        Assert.Equal([1L], service.WatchFromSequences);
    }

    [Fact]
    public async Task RunAsync_DeprecatedFieldsBreakBeforeFirstEvent_ResubmitsTheirSubmissionWithTheKey()
    {
        var service = new ScriptedWorkflowService(eventCount: 5);
        service.ScriptRun(new StreamScript(0, StreamBreak.Unavailable));
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = ClientFactory.Create(server.Address);
#pragma warning disable CS0612 // A client built before RunWorkflowRequest.submit existed.
        var legacy = new RunWorkflowRequest { Definition = Request().Submit.Definition, IdempotencyKey = "key-7", Labels = { ["team"] = "data" } };
#pragma warning restore CS0612

        var seen = await ClientFactory.CollectAsync(client.RunAsync(legacy)).DefaultTimeout();

        Assert.Equal(5, seen.Count);
        var submission = Assert.Single(service.Submissions);
        Assert.Equal(("key-7", "data"), (submission.IdempotencyKey, submission.Labels["team"]));
    }

    [Fact]
    public async Task RunAsync_BreaksBeforeFirstEventWithoutIdempotencyKey_Throws()
    {
        var service = new ScriptedWorkflowService(eventCount: 5);
        service.ScriptRun(new StreamScript(0, StreamBreak.Unavailable));
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = ClientFactory.Create(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => ClientFactory.CollectAsync(client.RunAsync(Request()))).DefaultTimeout();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Empty(service.Submissions);
    }
}
