using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.EndToEnd;

/// <summary>Cancellation reaching executors, and watchers that disconnect and resume.</summary>
public sealed class CancelAndWatchTests
{
    [Fact]
    public async Task CancelExecution_StepInFlight_ReachesTheExecutorAsCancellation()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("hang");
        var definition = Define("cancel", ("h", Step("hang")), ("after", Step("noop", null, "h")));

        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        await AsyncTestHelpers.WaitUntilAsync(() => executor.Steps.Started.Contains($"{submitted.ExecutionId}/h/1"), "the executor runs the step");
        var cancelled = await orchestrator.Workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = submitted.ExecutionId, Reason = "test" }).ResponseAsync.DefaultTimeout();
        var events = await orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId);

        await AsyncTestHelpers.WaitUntilAsync(() => executor.Steps.Cancelled.Contains($"{submitted.ExecutionId}/h/1"), "the executor saw the call cancelled");
        Assert.Equal(ExecutionState.Cancelled, events.FinalState());
        Assert.Contains(events, e => e.StepCancelled?.StepId == "h");
        Assert.DoesNotContain(events, e => e.AttemptStarted?.StepId == "after");
        Assert.True(cancelled.State is ExecutionState.Cancelled or ExecutionState.Running, $"state after cancel: {cancelled.State}");
    }

    [Fact]
    public async Task WatchExecution_DisconnectAndResumeFromLastSequence_SeesEveryEventOnce()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("sleep");
        var definition = Define(
            "chain",
            ("a", Step("sleep", """{"ms": 60}""")),
            ("b", Step("sleep", """{"ms": 60}""", "a")),
            ("c", Step("sleep", """{"ms": 60}""", "b")),
            ("d", Step("sleep", """{"ms": 60}""", "c")));

        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        var seen = new List<ExecutionEvent>();
        using (var disconnect = new CancellationTokenSource())
        {
            using var call = orchestrator.Workflows.WatchExecution(new WatchExecutionRequest { ExecutionId = submitted.ExecutionId }, cancellationToken: disconnect.Token);
            while (seen.Count < 4 && await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(AsyncTestHelpers.DefaultTimeoutSpan))
            {
                seen.Add(call.ResponseStream.Current.Event);
            }

            await disconnect.CancelAsync();
        }

        Assert.Equal(4, seen.Count);
        seen.AddRange(await orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId, fromSequence: seen[^1].Sequence + 1));

        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Select(e => e.Sequence));
        Assert.Equal(ExecutionState.Succeeded, seen.FinalState());
        var last = (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = submitted.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;
        Assert.Equal(last.LastSequence, seen[^1].Sequence);
    }

    [Fact]
    public async Task WatchExecution_ManyWatchersAtOnce_EachSeesTheWholeLog()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("sleep");
        var definition = Define("fan", ("a", Step("sleep", """{"ms": 50}""")), ("b", Step("sleep", """{"ms": 50}""", "a")), ("c", Step("sleep", """{"ms": 50}""", "a")));

        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        var all = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId))).DefaultTimeout();

        var expected = all[0].Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, expected.Count).Select(i => (long)i), expected);
        Assert.All(all, events => Assert.Equal(expected, events.Select(e => e.Sequence)));
        Assert.Equal(ExecutionState.Succeeded, all[0].FinalState());
    }

    [Fact]
    public async Task WatchExecution_ClientReadsNothing_StreamEndsWithResourceExhaustedAfterTheStallTimeout()
    {
        // A real orchestrator process: its log says when it gave the watch up, before the client reads anything.
        await using var process = TestProcess.StartDotnet("GrpcWorkflows.Orchestrator", ["--urls", "http://127.0.0.1:0", "--Storage:Provider=memory", "--Orchestrator:WatchStallTimeout=00:00:00.5"]);
        var address = await process.WaitForListeningAsync();
        // The smallest HTTP/2 window a client may give: what it does not read stays on the server.
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(address, new Grpc.Net.Client.GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { InitialHttp2StreamWindowSize = 65535 },
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
        var client = new WorkflowService.WorkflowServiceClient(channel);
        var input = new Google.Protobuf.WellKnownTypes.Struct();
        input.Fields["blob"] = Google.Protobuf.WellKnownTypes.Value.ForString(new string('x', 3_000_000));
        var definition = Define("stalled-watch", ("wait", new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "go" } }));
        var id = (await client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Input = input }).ResponseAsync.DefaultTimeout()).ExecutionId;

        // The first event carries the 3 MB input: more than the HTTP/2 window of a client that does not read, and the server's response buffer.
        using var watch = client.WatchExecution(new WatchExecutionRequest { ExecutionId = id });
        var logged = await process.WaitForLineAsync(line => line.Contains("Orchestrator:WatchStallTimeout", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var received = new List<ExecutionEvent>();
        var ended = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
        {
            while (await watch.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)))
            {
                received.Add(watch.ResponseStream.Current.Event);
            }
        });

        Assert.Equal(Grpc.Core.StatusCode.ResourceExhausted, ended.StatusCode);
        Assert.Contains(id, logged, StringComparison.Ordinal);
        Assert.Empty(received);
    }
}
