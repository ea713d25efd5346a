using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.StateMachine;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.StateMachine;

/// <summary>The state machine per transition, with no engine, store, dispatcher or clock.</summary>
public sealed class ExecutionMachineTests
{
    private static readonly StepAttemptResult Ok = StepAttemptResult.Success(new Struct());

    [Fact]
    public void Start_RootSteps_BecomeReadyAndAreQueued()
    {
        var m = new MachineFixture(Define(S("a"), S("b"), S("c", "a", "b")));

        m.Machine.Start(m.Now);
        var (events, actions) = m.Take();

        Assert.Equal([ExecutionEvent.KindOneofCase.Started, ExecutionEvent.KindOneofCase.StepReady, ExecutionEvent.KindOneofCase.StepReady], events.Select(e => e.KindCase));
        Assert.Equal(["a", "b"], events.Skip(1).Select(e => e.StepReady.StepId));
        Assert.Equal([2L, 3L, 4L], events.Select(e => e.Sequence));
        Assert.All(events, e => Assert.Equal(MachineFixture.T0, e.Time.ToDateTimeOffset()));
        Assert.Equal([m.Index("a"), m.Index("b")], actions.Select(a => a.Step));
        Assert.All(actions, a => Assert.Equal(MachineActionKind.Enqueue, a.Kind));
    }

    [Fact]
    public void StartAttempt_ReadyStep_RecordsTheAttemptAndAsksForItsDispatchWithResolvedInput()
    {
        var definition = Define(S("a"));
        definition.Steps["a"].Input = Json("""{"name": "{{ workflow.input.who }}"}""");
        var m = new MachineFixture(definition, Json("""{"who": "ada"}"""));
        m.Machine.Start(m.Now);
        m.Take();

        Assert.True(m.Machine.StartAttempt(m.Index("a"), m.Now));
        var (events, actions) = m.Take();

        var started = Assert.Single(events).AttemptStarted;
        Assert.Equal(1, started.Attempt);
        Assert.Equal("e1:a", started.IdempotencyKey);
        var dispatch = Assert.Single(actions);
        Assert.Equal(MachineActionKind.Dispatch, dispatch.Kind);
        Assert.False(dispatch.IsImmediate);
        Assert.Equal("ada", dispatch.Request!.Request.Input.Fields["name"].StringValue);
        Assert.Equal(1, m.Machine.Running);
        Assert.False(m.Machine.StartAttempt(m.Index("a"), m.Now));
    }

    [Fact]
    public void StartAttempt_UnresolvableReference_FailsTheStepAndSkipsItsDependents()
    {
        var definition = Define(S("a"), S("b", "a"));
        definition.Steps["a"].Input = Json("""{"x": "{{ workflow.input.missing }}"}""");
        var m = new MachineFixture(definition);
        m.Machine.Start(m.Now);
        m.Take();

        m.Machine.StartAttempt(m.Index("a"), m.Now);
        var (events, actions) = m.Take();

        Assert.Equal([ExecutionEvent.KindOneofCase.StepFailed, ExecutionEvent.KindOneofCase.StepSkipped, ExecutionEvent.KindOneofCase.Finished], events.Select(e => e.KindCase));
        Assert.Equal("INVALID_ARGUMENT", events[0].StepFailed.Error.Code);
        Assert.Equal(0, events[0].StepFailed.Attempts);
        Assert.Equal(ExecutionState.Failed, events[2].Finished.State);
        Assert.DoesNotContain(actions, a => a.Kind == MachineActionKind.Dispatch);
        Assert.Contains(actions, a => a.Kind == MachineActionKind.Finish);
        Assert.Equal(0, m.Machine.Running);
    }

    [Fact]
    public void CompleteAttempt_Success_DependentWithNoDependencyLeftBecomesReady()
    {
        var m = new MachineFixture(Define(S("a"), S("b"), S("c", "a", "b")));
        m.Machine.Start(m.Now);
        m.Take();

        var afterA = m.Run("a", StepAttemptResult.Success(MachineFixture.Output("""{"v": 1}""")));
        var afterB = m.Run("b", Ok);

        Assert.Equal([ExecutionEvent.KindOneofCase.StepSucceeded], afterA.Events.Select(e => e.KindCase));
        Assert.Equal([ExecutionEvent.KindOneofCase.StepSucceeded, ExecutionEvent.KindOneofCase.StepReady], afterB.Events.Select(e => e.KindCase));
        Assert.Equal("c", afterB.Events[1].StepReady.StepId);
        Assert.Equal(new MachineAction(MachineActionKind.Enqueue, m.Index("c")), Assert.Single(afterB.Actions));
        Assert.Equal(1, m.Step("a").Output.Fields["v"].NumberValue);
    }

    [Fact]
    public void CompleteAttempt_RetryableFailure_AsksForATimerAtTheJitteredDelay()
    {
        var definition = Define(S("a"));
        definition.DefaultRetryPolicy = new RetryPolicy { MaxAttempts = 3, InitialBackoff = Duration.FromTimeSpan(TimeSpan.FromSeconds(4)), Jitter = 0.5 };
        var m = new MachineFixture(definition);
        m.Machine.Start(m.Now);
        m.Take();

        var (events, actions) = m.Run("a", StepAttemptResult.Failure("UNAVAILABLE", "down", retryable: true), jitter: 0.5);

        var failed = Assert.Single(events).AttemptFailed;
        Assert.True(failed.WillRetry);
        Assert.Equal(TimeSpan.FromSeconds(3), failed.RetryDelay.ToTimeSpan());
        Assert.Equal(new MachineAction(MachineActionKind.StartTimer, m.Index("a"), 1, Due: m.Now + TimeSpan.FromSeconds(3)), Assert.Single(actions));
        Assert.Equal(StepState.RetryWait, m.Step("a").State);
    }

    [Fact]
    public void TimerDue_CurrentRetryWait_QueuesTheNextAttempt_StaleOneDoesNothing()
    {
        var m = new MachineFixture(Define(S("a")));
        m.Machine.Start(m.Now);
        m.Take();
        m.Run("a", StepAttemptResult.Failure("UNAVAILABLE", "down", retryable: true));

        m.Machine.TimerDue(m.Index("a"), attempt: 7, TimerPurpose.Retry, m.Now);
        Assert.Empty(m.Take().Actions);
        m.Machine.TimerDue(m.Index("a"), attempt: 1, TimerPurpose.Retry, m.Now);
        Assert.Equal(MachineActionKind.Enqueue, Assert.Single(m.Take().Actions).Kind);

        var second = m.Dispatch("a");
        Assert.Equal(2, second.Attempt);
        Assert.Equal("e1:a", second.Request!.Request.IdempotencyKey);
    }

    [Fact]
    public void CompleteAttempt_LastAttemptFails_StepFailsDescendantsSkippedExecutionFailed()
    {
        var definition = Define(S("a"), S("b", "a"), S("c", "b"), S("x"));
        definition.Steps["a"].MaxRetries = 0;
        var m = new MachineFixture(definition);
        m.Machine.Start(m.Now);
        m.Take();
        m.Run("x", Ok);

        var (events, actions) = m.Run("a", StepAttemptResult.Failure("BOOM", "broken", retryable: false));

        Assert.Equal(
            [ExecutionEvent.KindOneofCase.AttemptFailed, ExecutionEvent.KindOneofCase.StepFailed, ExecutionEvent.KindOneofCase.StepSkipped, ExecutionEvent.KindOneofCase.StepSkipped, ExecutionEvent.KindOneofCase.Finished],
            events.Select(e => e.KindCase));
        Assert.Equal("step 'a' failed", events[2].StepSkipped.Reason);
        var finished = events[^1].Finished;
        Assert.Equal(ExecutionState.Failed, finished.State);
        Assert.Equal("step 'a' failed: broken", finished.Error.Message);
        Assert.Equal([MachineActionKind.StopScheduling, MachineActionKind.Finish], actions.Select(a => a.Kind));
        Assert.True(m.Machine.IsFinished);
    }

    [Fact]
    public void CompleteAttempt_FailureOfContinueOnFailureStep_DependentsStillRunAndExecutionSucceeds()
    {
        var definition = Define(S("a"), S("b", "a"));
        definition.Steps["a"].ContinueOnFailure = true;
        definition.Steps["a"].MaxRetries = 0;
        var m = new MachineFixture(definition);
        m.Machine.Start(m.Now);
        m.Take();

        var (events, _) = m.Run("a", StepAttemptResult.Failure("BOOM", "broken", retryable: false));
        var dispatch = m.Dispatch("b");
        m.Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt, Ok, AttemptOutcome.Completed, 0, m.Now);
        var (last, _) = m.Take();

        Assert.Equal("b", events[^1].StepReady.StepId);
        Assert.Equal("BOOM", dispatch.Request!.Request.Dependencies["a"].Fields["error"].StructValue.Fields["code"].StringValue);
        Assert.Equal(ExecutionState.Succeeded, last[^1].Finished.State);
    }

    [Fact]
    public void CompleteAttempt_StaleOrStopped_RecordsNothing()
    {
        var m = new MachineFixture(Define(S("a")));
        m.Machine.Start(m.Now);
        m.Take();
        var dispatch = m.Dispatch("a");

        Assert.False(m.Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt + 1, Ok, AttemptOutcome.Completed, 0, m.Now));
        Assert.False(m.Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt, null, AttemptOutcome.Stopped, 0, m.Now));

        Assert.Empty(m.Take().Events);
        Assert.Equal(StepState.Running, m.Step("a").State);
        Assert.Equal(0, m.Machine.Running);
    }

    [Fact]
    public void CompleteAttempt_OutputOverTheLimit_FailsWithResourceExhausted()
    {
        var options = new EngineOptions();
        options.Limits.MaxPayloadBytes = 16;
        var m = new MachineFixture(Define(S("a")), options: options);
        m.Machine.Start(m.Now);
        m.Take();

        var (events, _) = m.Run("a", StepAttemptResult.Success(MachineFixture.Output("""{"text": "far more than sixteen bytes"}""")));

        Assert.Equal("RESOURCE_EXHAUSTED", events[0].AttemptFailed.Error.Code);
        Assert.Equal(ExecutionState.Failed, events[^1].Finished.State);
    }

    [Fact]
    public void CompleteAttempt_TimedOut_RecordsDeadlineExceededAndRetries()
    {
        var m = new MachineFixture(Define(S("a")));
        m.Machine.Start(m.Now);
        m.Take();
        var dispatch = m.Dispatch("a");

        m.Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt, null, AttemptOutcome.TimedOut, 0, m.Now);
        var failed = Assert.Single(m.Take().Events).AttemptFailed;

        Assert.Equal("DEADLINE_EXCEEDED", failed.Error.Code);
        Assert.True(failed.WillRetry);
    }

    [Fact]
    public void Cancel_StepsNotInFlightCancelledAtOnce_InFlightOneWhenItsAttemptEnds()
    {
        var m = new MachineFixture(Define(S("a"), S("b"), S("c", "a")));
        m.Machine.Start(m.Now);
        m.Take();
        var dispatch = m.Dispatch("a");

        m.Machine.Cancel("enough", m.Now);
        var (events, actions) = m.Take();

        Assert.Equal("enough", events[0].CancelRequested.Reason);
        Assert.Equal(["b", "c"], events.Skip(1).Select(e => e.StepCancelled.StepId));
        Assert.Equal([MachineActionKind.StopScheduling, MachineActionKind.CancelAttempts], actions.Select(a => a.Kind));
        Assert.False(m.Machine.IsFinished);

        m.Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt, null, AttemptOutcome.Cancelled, 0, m.Now);
        var (last, _) = m.Take();

        Assert.Equal([ExecutionEvent.KindOneofCase.StepCancelled, ExecutionEvent.KindOneofCase.Finished], last.Select(e => e.KindCase));
        Assert.Equal(ExecutionState.Cancelled, last[1].Finished.State);
        Assert.Equal("enough", last[1].Finished.Error.Message);
    }

    [Fact]
    public void Retry_FailedExecution_RunsFailedAndSkippedStepsAgainWithAFreshAttemptBudget()
    {
        var definition = Define(S("ok"), S("a", "ok"), S("b", "a"));
        definition.Steps["a"].MaxRetries = 0;
        var m = new MachineFixture(definition);
        m.Machine.Start(m.Now);
        m.Take();
        m.Run("ok", Ok);
        m.Run("a", StepAttemptResult.Failure("BOOM", "broken", retryable: false));
        Assert.True(m.Machine.IsFinished);

        var ids = m.Machine.Retry(m.Now);
        var (events, actions) = m.Take();

        Assert.Equal(["a", "b"], ids);
        Assert.Equal([ExecutionEvent.KindOneofCase.Retried, ExecutionEvent.KindOneofCase.StepReady], events.Select(e => e.KindCase));
        Assert.Equal(new MachineAction(MachineActionKind.Enqueue, m.Index("a")), Assert.Single(actions));
        Assert.Equal(2, m.Dispatch("a").Attempt);
        Assert.False(m.Machine.IsFinished);
    }

    [Fact]
    public void Resume_InFlightAttempt_IsDeliveredAgainWithTheSameNumberAndNoNewEvent()
    {
        var live = new MachineFixture(Define(S("a"), S("b", "a")));
        live.Machine.Start(live.Now);
        live.Take();
        var first = live.Dispatch("a");

        var fold = new ExecutionStateFold();
        foreach (var e in live.Log)
        {
            fold.Apply(e);
        }

        var recovered = new ExecutionMachine("e1", live.Machine.Compiled, fold, new EngineOptions());
        recovered.Resume(live.Now);
        Assert.Equal(new MachineAction(MachineActionKind.Enqueue, first.Step), Assert.Single(recovered.Actions));
        recovered.Actions.Clear();

        Assert.True(recovered.StartAttempt(first.Step, live.Now));
        var again = Assert.Single(recovered.Actions);

        Assert.Empty(recovered.Events);
        Assert.Equal(first.Attempt, again.Attempt);
        Assert.Equal(first.Request!.Request.IdempotencyKey, again.Request!.Request.IdempotencyKey);
    }

    [Fact]
    public void Resume_RetryWait_AsksForTheTimerAtTheRecordedDueTime()
    {
        var live = new MachineFixture(Define(S("a")));
        live.Machine.Start(live.Now);
        live.Take();
        live.Run("a", StepAttemptResult.Failure("UNAVAILABLE", "down", retryable: true, retryAfter: TimeSpan.FromSeconds(10)));

        var fold = new ExecutionStateFold();
        live.Log.ForEach(fold.Apply);
        var recovered = new ExecutionMachine("e1", live.Machine.Compiled, fold, new EngineOptions());
        recovered.Resume(live.Now + TimeSpan.FromSeconds(4));

        var timer = Assert.Single(recovered.Actions);
        Assert.Equal(MachineActionKind.StartTimer, timer.Kind);
        Assert.Equal(live.Now + TimeSpan.FromSeconds(10), timer.Due);
    }

    [Fact]
    public void Replay_OfTheLiveLog_GivesTheLiveStateAndSchedulingFacts()
    {
        var definition = Define(S("a"), S("b", "a"), S("c", "a"), S("d", "b", "c"));
        definition.Steps["c"].ContinueOnFailure = true;
        definition.Steps["c"].MaxRetries = 0;
        var m = new MachineFixture(definition);
        m.Machine.Start(m.Now);
        m.Take();
        m.Run("a", Ok);
        m.Run("c", StepAttemptResult.Failure("BOOM", "broken", retryable: false));
        m.Now += TimeSpan.FromSeconds(1);
        m.Run("b", Ok);

        var replay = new ExecutionStateFold();
        m.Log.ForEach(replay.Apply);

        Assert.Equal(m.Machine.Fold.Execution, replay.Execution);
        Assert.Equal(m.Machine.Fold.PendingDependencies, replay.PendingDependencies);
        Assert.Equal(m.Machine.Fold.TerminalCount, replay.TerminalCount);
        Assert.Equal(m.Machine.Fold.FirstFailure, replay.FirstFailure);
        Assert.Equal(0, replay.PendingDependencies[m.Index("d")]);
        Assert.Equal(StepState.Ready, replay.Step("d")!.State);
    }

    [Fact]
    public void Finish_WithoutOutputSteps_ResultIsTheLeavesOutputs()
    {
        var m = new MachineFixture(Define(S("a"), S("b", "a")));
        m.Machine.Start(m.Now);
        m.Take();
        m.Run("a", StepAttemptResult.Success(MachineFixture.Output("""{"v": 1}""")));

        var (events, _) = m.Run("b", StepAttemptResult.Success(MachineFixture.Output("""{"v": 2}""")));

        Assert.Equal("""{ "b": { "v": 2 } }""", events[^1].Finished.Result.ToString());
    }

    [Fact]
    public void Fault_RunningExecution_FinishesFailedOnceWithTheReasonAndCancelsAttempts()
    {
        var m = new MachineFixture(Define(S("a"), S("b", "a")));
        m.Machine.Start(m.Now);
        m.Take();
        m.Dispatch("a");

        m.Machine.Fault("boom", m.Now);
        m.Machine.Fault("again", m.Now);
        var (events, actions) = m.Take();

        var finished = Assert.Single(events).Finished;
        Assert.Equal(ExecutionState.Failed, finished.State);
        Assert.Equal("INTERNAL", finished.Error.Code);
        Assert.Equal("boom", finished.Error.Message);
        Assert.Equal([MachineActionKind.StopScheduling, MachineActionKind.CancelAttempts, MachineActionKind.Finish], actions.Select(a => a.Kind));
        Assert.False(m.Machine.StartAttempt(m.Index("b"), m.Now));
    }

    [Fact]
    public void CompleteAttempt_Undelivered_TakesTheAttemptBackAndAsksToWaitForAnExecutor()
    {
        var m = new MachineFixture(Define(S("a")));
        m.Machine.Start(m.Now);
        m.Take();
        var dispatch = m.Dispatch("a");

        Assert.False(m.Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt, StepAttemptResult.Undelivered("refused"), AttemptOutcome.Completed, 0, m.Now));
        var (events, actions) = m.Take();

        var awaiting = Assert.Single(events).AwaitingExecutor;
        Assert.Equal("refused", awaiting.Wait.Reason);
        Assert.Equal(m.Now + new EngineOptions().MaxExecutorWait, awaiting.Wait.Deadline.ToDateTimeOffset());
        Assert.Equal([MachineActionKind.StartTimer, MachineActionKind.AwaitExecutor], actions.Select(a => a.Kind));
        Assert.Equal(TimerPurpose.ExecutorWait, actions[0].Timer);
        Assert.Equal(StepState.Ready, m.Step("a").State);
        Assert.Equal(0, m.Step("a").Attempts);
        Assert.Equal(1, m.Dispatch("a").Attempt);
    }

    [Fact]
    public void TimerDue_ExecutorWaitDeadline_FailsTheStepWithUnavailable()
    {
        var m = new MachineFixture(Define(S("a")));
        m.Machine.Start(m.Now);
        m.Take();
        var dispatch = m.Dispatch("a");
        m.Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt, StepAttemptResult.Undelivered("refused"), AttemptOutcome.Completed, 0, m.Now);
        m.Take();

        m.Machine.TimerDue(dispatch.Step, 0, TimerPurpose.ExecutorWait, m.Now + new EngineOptions().MaxExecutorWait);
        var (events, _) = m.Take();

        Assert.Equal("UNAVAILABLE", events[0].StepFailed.Error.Code);
        Assert.Contains("refused", events[0].StepFailed.Error.Message, StringComparison.Ordinal);
        Assert.Equal(ExecutionState.Failed, events[^1].Finished.State);
    }
}
