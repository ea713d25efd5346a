using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Scheduling;

public sealed class RetryAndFailureTests
{
    private static WorkflowDefinition WithPolicy(WorkflowDefinition definition, string json)
    {
        definition.DefaultRetryPolicy = Google.Protobuf.JsonParser.Default.Parse<RetryPolicy>(json);
        return definition;
    }

    [Fact]
    public async Task Attempt_UnavailableTwice_SucceedsOnAttemptThreeAfterExponentialBackoff()
    {
        await using var h = await EngineHarness.StartAsync(r => r.Attempt < 3 ? AttemptScript.Fail(1, "UNAVAILABLE") : AttemptScript.Succeed(1));
        var id = await h.SubmitAsync(WithPolicy(Define(S("a")), """{"max_attempts": 3, "initial_backoff": "0.1s", "backoff_multiplier": 2, "jitter": 0}"""));

        await h.RunUntilIdleAsync();

        var events = await h.EventsAsync(id);
        var failures = events.Where(e => e.AttemptFailed is not null).Select(e => e.AttemptFailed).ToList();
        Assert.Equal([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)], failures.Select(f => f.RetryDelay.ToTimeSpan()));
        Assert.All(failures, f => Assert.True(f.WillRetry));
        var starts = events.Where(e => e.AttemptStarted is not null).Select(e => e.Time.ToDateTimeOffset()).ToList();
        Assert.Equal([EngineHarness.Epoch, EngineHarness.Epoch.AddMilliseconds(101), EngineHarness.Epoch.AddMilliseconds(302)], starts);
        var step = (await h.GetAsync(id)).Steps.Single();
        Assert.Equal(StepState.Succeeded, step.State);
        Assert.Equal(3, step.Attempts);
        Assert.Equal(["UNAVAILABLE", "UNAVAILABLE", string.Empty], step.AttemptHistory.Select(a => a.Error?.Code ?? string.Empty));
    }

    [Fact]
    public async Task Attempt_InBandErrorFlaggedRetryable_IsRetriedWhateverItsCode()
    {
        // The executor's flag decides an in-band error: its code is information (RetryClassification).
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Fail(1, "INVALID_ARGUMENT", retryable: true));
        var id = await h.SubmitAsync(Define(S("a")));

        await h.RunUntilIdleAsync();

        var step = (await h.GetAsync(id)).Steps.Single();
        Assert.Equal(StepState.Failed, step.State);
        Assert.Equal(RetryPolicyOptions.DefaultMaxAttempts, step.Attempts);
    }

    [Fact]
    public async Task Attempt_InvalidArgument_IsNotRetriedAndFailsTheExecution()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Fail(1, "INVALID_ARGUMENT"));
        var id = await h.SubmitAsync(Define(S("a"), S("b", "a"), S("c", "b"), S("x")));

        await h.RunUntilIdleAsync();

        var execution = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Failed, execution.State);
        Assert.Equal(1, execution.Steps.Single(s => s.StepId == "a").Attempts);
        Assert.Equal("INVALID_ARGUMENT", execution.Error.Code);
        Assert.StartsWith("step 'a' failed:", execution.Error.Message, StringComparison.Ordinal);
        Assert.All(execution.Steps.Where(s => s.StepId is "b" or "c"), s =>
        {
            Assert.Equal(StepState.Skipped, s.State);
            Assert.Equal("step 'a' failed", s.Reason);
        });
    }

    [Fact]
    public async Task Attempt_PolicyNonRetryableCode_IsNotRetried()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Fail(1, "QUOTA", retryable: true));
        var id = await h.SubmitAsync(WithPolicy(Define(S("a")), """{"non_retryable_codes": ["QUOTA"]}"""));

        await h.RunUntilIdleAsync();

        Assert.Equal(1, (await h.GetAsync(id)).Steps.Single().Attempts);
    }

    [Fact]
    public async Task Attempt_ExecutorErrorMarkedRetryable_IsRetriedUntilAttemptsRunOut()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Fail(1, "FLAKY", retryable: true));
        var definition = Define(S("a"));
        definition.Steps["a"].MaxRetries = 4;
        var id = await h.SubmitAsync(definition);

        await h.RunUntilIdleAsync();

        var step = (await h.GetAsync(id)).Steps.Single();
        Assert.Equal(StepState.Failed, step.State);
        Assert.Equal(5, step.Attempts);
    }

    [Fact]
    public async Task Attempt_RetryAfter_IsAFloorOfTheBackoff()
    {
        await using var h = await EngineHarness.StartAsync(r => r.Attempt == 1 ? AttemptScript.Fail(1, "RESOURCE_EXHAUSTED", retryAfter: TimeSpan.FromSeconds(3)) : AttemptScript.Succeed(1));
        var id = await h.SubmitAsync(WithPolicy(Define(S("a")), """{"initial_backoff": "0.01s", "jitter": 0}"""));

        await h.RunUntilIdleAsync(tickMilliseconds: 10);

        var failed = (await h.EventsAsync(id)).Single(e => e.AttemptFailed is not null).AttemptFailed;
        Assert.Equal(TimeSpan.FromSeconds(3), failed.RetryDelay.ToTimeSpan());
    }

    [Fact]
    public async Task Attempt_HangingPastItsTimeout_IsRetriedAsDeadlineExceeded()
    {
        await using var h = await EngineHarness.StartAsync(r => r.Attempt == 1 ? AttemptScript.Hang() : AttemptScript.Succeed(1));
        var definition = WithPolicy(Define(S("a")), """{"initial_backoff": "0.01s", "jitter": 0}""");
        definition.Steps["a"].Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500));
        var id = await h.SubmitAsync(definition);

        await h.RunUntilIdleAsync();

        var step = (await h.GetAsync(id)).Steps.Single();
        Assert.Equal(StepState.Succeeded, step.State);
        Assert.Equal("DEADLINE_EXCEEDED", step.AttemptHistory[0].Error.Code);
        Assert.Equal(EngineHarness.Epoch.AddMilliseconds(500), step.AttemptHistory[0].EndTime.ToDateTimeOffset());
        Assert.Single(h.Dispatcher.Cancelled);
    }

    [Fact]
    public async Task Attempt_RetriedAfterDeadlineExceeded_KeepsTheIdempotencyKeyWithTheNextAttemptNumber()
    {
        await using var h = await EngineHarness.StartAsync(r => r.StepId == "a" && r.Attempt == 1 ? AttemptScript.Hang() : AttemptScript.Succeed(1));
        var definition = WithPolicy(Define(S("a"), S("b")), """{"initial_backoff": "0.01s", "jitter": 0}""");
        definition.Steps["a"].Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500));
        var id = await h.SubmitAsync(definition);

        await h.RunUntilIdleAsync();

        var sent = h.Dispatcher.Requests.Where(r => r.StepId == "a").Select(r => (r.IdempotencyKey, r.Attempt)).ToList();
        Assert.Equal([($"{id}:a", 1), ($"{id}:a", 2)], sent);
        Assert.NotEqual(sent[0].IdempotencyKey, h.Dispatcher.Requests.Single(r => r.StepId == "b").IdempotencyKey);
        var started = (await h.EventsAsync(id)).Where(e => e.AttemptStarted?.StepId == "a").Select(e => e.AttemptStarted.IdempotencyKey);
        Assert.Equal([$"{id}:a", $"{id}:a"], started);
    }

    [Fact]
    public async Task Failure_IndependentRunningStep_Finishes()
    {
        await using var h = await EngineHarness.StartAsync(r => r.StepId == "bad" ? AttemptScript.Fail(1, "INVALID_ARGUMENT") : AttemptScript.Succeed(50));
        var id = await h.SubmitAsync(Define(S("bad"), S("long"), S("after_long", "long")));

        await h.RunUntilIdleAsync();

        var execution = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Failed, execution.State);
        Assert.Equal(StepState.Succeeded, execution.Steps.Single(s => s.StepId == "long").State);
        Assert.Equal(StepState.Succeeded, execution.Steps.Single(s => s.StepId == "after_long").State);
    }

    [Fact]
    public async Task Failure_ContinueOnFailure_LetsDependentsRunWithTheError()
    {
        await using var h = await EngineHarness.StartAsync(r => r.StepId == "a" ? AttemptScript.Fail(1, "INVALID_ARGUMENT") : AttemptScript.Succeed(1));
        var definition = Define(S("a"), S("b", "a"));
        definition.Steps["a"].ContinueOnFailure = true;
        var id = await h.SubmitAsync(definition);

        await h.RunUntilIdleAsync();

        var execution = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Succeeded, execution.State);
        Assert.Equal(StepState.Failed, execution.Steps.Single(s => s.StepId == "a").State);
        var b = h.Dispatcher.Requests.Single(r => r.StepId == "b");
        Assert.Equal("INVALID_ARGUMENT", b.Dependencies["a"].Fields["error"].StructValue.Fields["code"].StringValue);
    }

    [Fact]
    public async Task Cancel_InFlightAttempt_IsCancelledThroughTheDispatcherToken()
    {
        await using var h = await EngineHarness.StartAsync(r => r.StepId == "a" ? AttemptScript.Hang() : AttemptScript.Succeed(1));
        var id = await h.SubmitAsync(Define(S("a"), S("b", "a"), S("c")));
        await h.RunUntilAsync(() => h.Dispatcher.Requests.Count == 2 && h.Dispatcher.InFlight == 1);

        var state = await h.Engine.CancelAsync(id, "enough").DefaultTimeout();
        await h.RunUntilIdleAsync();

        Assert.Equal(ExecutionState.Cancelled, state);
        var execution = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Cancelled, execution.State);
        Assert.Equal(StepState.Cancelled, execution.Steps.Single(s => s.StepId == "a").State);
        Assert.Equal(StepState.Cancelled, execution.Steps.Single(s => s.StepId == "b").State);
        Assert.Equal(StepState.Succeeded, execution.Steps.Single(s => s.StepId == "c").State);
        Assert.Equal([$"{id}:a"], h.Dispatcher.Cancelled);
        Assert.Equal("enough", execution.Error.Message);
    }

    [Fact]
    public async Task Cancel_FinishedExecution_ReturnsItsState()
    {
        await using var h = await EngineHarness.StartAsync();
        var id = await h.SubmitAsync(Define(S("a")));
        await h.RunUntilIdleAsync();

        Assert.Equal(ExecutionState.Succeeded, await h.Engine.CancelAsync(id, null).DefaultTimeout());
        await Assert.ThrowsAsync<ExecutionNotFoundException>(() => h.Engine.CancelAsync("nope", null));
    }

    [Fact]
    public async Task Retry_FailedExecution_RerunsFailedAndSkippedKeepingSucceededOutputs()
    {
        var failA = true;
        await using var h = await EngineHarness.StartAsync(r => r.StepId == "b" && Volatile.Read(ref failA) ? AttemptScript.Fail(1, "INVALID_ARGUMENT") : AttemptScript.Succeed(1));
        var id = await h.SubmitAsync(Define(S("a"), S("b", "a"), S("c", "b")));
        await h.RunUntilIdleAsync();
        Volatile.Write(ref failA, false);

        var retried = await h.Engine.RetryAsync(id).DefaultTimeout();
        await h.RunUntilIdleAsync();

        Assert.Equal(["b", "c"], retried);
        var execution = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Succeeded, execution.State);
        Assert.Equal(1, execution.RetryCount);
        Assert.Single(h.Dispatcher.Requests, r => r.StepId == "a");
        Assert.Equal([($"{id}:b", 1), ($"{id}:b", 2)], h.Dispatcher.Requests.Where(r => r.StepId == "b").Select(r => (r.IdempotencyKey, r.Attempt)));
    }

    [Fact]
    public async Task Retry_RunningOrUnknownExecution_IsRefused()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Hang());
        var id = await h.SubmitAsync(Define(S("a")));

        await Assert.ThrowsAsync<ExecutionStateConflictException>(() => h.Engine.RetryAsync(id));
        await Assert.ThrowsAsync<ExecutionNotFoundException>(() => h.Engine.RetryAsync("nope"));
    }
}
