using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.EndToEnd;

/// <summary>Retries, non-retryable errors and attempt timeouts, seen through the events a client receives.</summary>
public sealed class RetryAndTimeoutTests
{
    [Fact]
    public async Task Flaky_UnavailableTwice_SucceedsOnAttemptThreeWithTheBackoffInTheEvents()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("flaky");
        var definition = Define("flaky", ("f", Step("flaky", """{"failures": 2, "code": "UNAVAILABLE"}""")));
        definition.DefaultRetryPolicy = FastRetry(maxAttempts: 5, initialMs: 100);

        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        var events = await orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId);

        Assert.Equal(ExecutionState.Succeeded, events.FinalState());
        var failures = events.Where(e => e.KindCase == ExecutionEvent.KindOneofCase.AttemptFailed).Select(e => e.AttemptFailed).ToList();
        Assert.Equal([1, 2], failures.Select(f => f.Attempt));
        Assert.All(failures, f =>
        {
            Assert.Equal("UNAVAILABLE", f.Error.Code);
            Assert.True(f.WillRetry);
        });
        Assert.True(failures[0].RetryDelay.ToTimeSpan() >= TimeSpan.FromMilliseconds(100));
        Assert.True(failures[1].RetryDelay.ToTimeSpan() > failures[0].RetryDelay.ToTimeSpan(), "the backoff grows");
        var starts = events.Where(e => e.KindCase == ExecutionEvent.KindOneofCase.AttemptStarted).ToList();
        Assert.Equal([1, 2, 3], starts.Select(e => e.AttemptStarted.Attempt));
        for (var i = 0; i < 2; i++)
        {
            var failedAt = events.Single(e => e.AttemptFailed?.Attempt == i + 1).Time.ToDateTimeOffset();
            var gap = starts[i + 1].Time.ToDateTimeOffset() - failedAt;
            Assert.True(gap >= failures[i].RetryDelay.ToTimeSpan() - TimeSpan.FromMilliseconds(5), $"attempt {i + 2} started {gap} after the failure, before the {failures[i].RetryDelay.ToTimeSpan()} backoff");
        }

        var succeeded = events.Single(e => e.KindCase == ExecutionEvent.KindOneofCase.StepSucceeded).StepSucceeded;
        Assert.Equal(3, succeeded.Attempt);
        Assert.Equal(3, succeeded.Output.Fields["attempt"].NumberValue);
    }

    [Fact]
    public async Task Fail_InvalidArgument_IsNotRetriedAndFailsTheExecution()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("fail");
        var definition = Define(
            "invalid",
            ("bad", Step("fail", """{"code": "INVALID_ARGUMENT", "message": "field x is wrong", "retryable": false}""")),
            ("after", Step("noop", null, "bad")));
        definition.DefaultRetryPolicy = FastRetry(maxAttempts: 5);

        var execution = await orchestrator.Workflows.RunToEndAsync(definition);

        Assert.Equal(ExecutionState.Failed, execution.State);
        var bad = execution.Steps.Single(s => s.StepId == "bad");
        Assert.Equal(StepState.Failed, bad.State);
        Assert.Equal(1, bad.Attempts);
        Assert.Equal("INVALID_ARGUMENT", bad.Error.Code);
        Assert.Contains("field x is wrong", bad.Error.Message, StringComparison.Ordinal);
        Assert.Equal(StepState.Skipped, execution.Steps.Single(s => s.StepId == "after").State);
    }

    [Fact]
    public async Task Hang_AttemptTimesOut_IsRetriedAndEachAttemptIsCancelledAtTheExecutor()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("hang");
        var step = Step("hang");
        step.Timeout = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(300));
        step.RetryPolicy = FastRetry(maxAttempts: 2);
        var definition = Define("hang", ("h", step));

        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        var events = await orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId);

        Assert.Equal(ExecutionState.Failed, events.FinalState());
        var failures = events.Where(e => e.KindCase == ExecutionEvent.KindOneofCase.AttemptFailed).Select(e => e.AttemptFailed).ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Equal("DEADLINE_EXCEEDED", f.Error.Code));
        Assert.True(failures[0].WillRetry);
        Assert.False(failures[1].WillRetry);
        await AsyncTestHelpers.WaitUntilAsync(
            () => executor.Steps.Cancelled.Contains($"{submitted.ExecutionId}/h/1") && executor.Steps.Cancelled.Contains($"{submitted.ExecutionId}/h/2"),
            "the executor saw both attempts cancelled");
    }
}
