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
}
