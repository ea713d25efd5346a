using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.StateMachine;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;
using Kind = GrpcWorkflows.V1.ExecutionEvent.KindOneofCase;

namespace GrpcWorkflows.Engine.Tests.StateMachine;

/// <summary>The language's transitions (conditions, trigger rules, waits, signals, the execution timeout), machine only.</summary>
public sealed class LanguageMachineTests
{
    private static readonly StepAttemptResult Ok = StepAttemptResult.Success(new Struct());

    private static MachineFixture Started(WorkflowDefinition definition, Struct? input = null)
    {
        var m = new MachineFixture(definition, input);
        m.Machine.Start(m.Now);
        m.Take();
        return m;
    }

    /// <summary>a → (high when score ≥ 50 | low when score &lt; 50) → join (none_failed).</summary>
    private static WorkflowDefinition Branches()
    {
        var definition = Define(S("a"), S("high", "a"), S("low", "a"), S("join", "high", "low"));
        definition.Steps["high"].When = "steps.a.output.score >= 50";
        definition.Steps["low"].When = "steps.a.output.score < 50";
        definition.Steps["join"].Trigger = "none_failed";
        return definition;
    }

    [Fact]
    public void Condition_FalseOnARootStep_SkipsItWithTheExpressionAndItsDependentsFollow()
    {
        var definition = Define(S("a"), S("b", "a"), S("c"));
        definition.Steps["a"].When = "workflow.input.enabled == true";
        var m = new MachineFixture(definition, Json("""{"enabled": false}"""));

        m.Machine.Start(m.Now);
        var (events, _) = m.Take();

        Assert.Equal([Kind.Started, Kind.StepSkipped, Kind.StepSkipped, Kind.StepReady], events.Select(e => e.KindCase));
        Assert.Equal("its condition 'workflow.input.enabled == true' is false", events[1].StepSkipped.Reason);
        Assert.Equal(string.Empty, events[1].StepSkipped.CauseStepId);
        Assert.Equal("b", events[2].StepSkipped.StepId);
        Assert.Equal("step 'a' was skipped", events[2].StepSkipped.Reason);
        Assert.Equal("a", events[2].StepSkipped.CauseStepId);
        Assert.Equal("c", events[3].StepReady.StepId);
    }

    [Fact]
    public void Condition_OverAnUpstreamOutput_ExclusiveBranchesJoinWithNoneFailed()
    {
        var m = Started(Branches());

        var (events, actions) = m.Run("a", StepAttemptResult.Success(Json("""{"score": 72}""")));

        Assert.Equal([Kind.StepSucceeded, Kind.StepReady, Kind.StepSkipped], events.Select(e => e.KindCase));
        Assert.Equal("high", events[1].StepReady.StepId);
        Assert.Equal("low", events[2].StepSkipped.StepId);
        Assert.Equal(StepState.Waiting, m.Step("join").State);
        Assert.Equal([m.Index("high")], actions.Select(a => a.Step));

        var (afterHigh, _) = m.Run("high", Ok);
        Assert.Equal("join", afterHigh[1].StepReady.StepId);
        m.Run("join", Ok);
        Assert.Equal(ExecutionState.Succeeded, m.Log[^1].Finished.State);
    }

    [Fact]
    public void Trigger_DefaultAfterAConditionSkippedStep_SkipsTheJoin()
    {
        var definition = Branches();
        definition.Steps["join"].Trigger = string.Empty;
        var m = Started(definition);

        m.Run("a", StepAttemptResult.Success(Json("""{"score": 10}""")));
        m.Run("low", Ok);

        Assert.Equal(StepState.Skipped, m.Step("join").State);
        Assert.Equal("step 'high' was skipped", m.Step("join").Reason);
        Assert.Equal(ExecutionState.Succeeded, m.Log[^1].Finished.State);
    }

    [Fact]
    public void Trigger_NoneFailed_SkipsWhenADependencyFailed()
    {
        var definition = Define(S("a"), S("b"), S("join", "a", "b"));
        definition.Steps["a"].MaxRetries = 0;
        definition.Steps["join"].Trigger = "none_failed";
        var m = Started(definition);

        m.Run("a", StepAttemptResult.Failure("BOOM", "broken", retryable: false));

        Assert.Equal(StepState.Skipped, m.Step("join").State);
        Assert.Equal("step 'a' failed", m.Step("join").Reason);
    }

    [Fact]
    public void Trigger_AllDone_RunsAfterAFailureOnceEveryDependencyEnded_ExecutionStillFails()
    {
        var definition = Define(S("a"), S("b"), S("cleanup", "a", "b"));
        definition.Steps["a"].MaxRetries = 0;
        definition.Steps["cleanup"].Trigger = "all_done";
        var m = Started(definition);

        m.Run("a", StepAttemptResult.Failure("BOOM", "broken", retryable: false));
        Assert.Equal(StepState.Waiting, m.Step("cleanup").State);
        var (events, _) = m.Run("b", Ok);
        Assert.Equal("cleanup", events[^1].StepReady.StepId);

        var dispatch = m.Dispatch("cleanup");
        Assert.Equal("BOOM", dispatch.Request!.Request.Dependencies["a"].Fields["error"].StructValue.Fields["code"].StringValue);
        m.Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt, Ok, AttemptOutcome.Completed, 0, m.Now);
        var (last, _) = m.Take();
        Assert.Equal(ExecutionState.Failed, last[^1].Finished.State);
    }

    [Fact]
    public void Trigger_OneSucceeded_RunsOnTheFirstSuccess_SkippedWhenNoneSucceeded()
    {
        var definition = Define(S("a"), S("b"), S("any", "a", "b"));
        definition.Steps["any"].Trigger = "one_succeeded";
        definition.Steps["a"].When = "workflow.input.a == true";
        definition.Steps["b"].When = "workflow.input.b == true";

        var first = new MachineFixture(definition, Json("""{"a": true, "b": true}"""));
        first.Machine.Start(first.Now);
        first.Take();
        var (events, _) = first.Run("b", Ok);
        Assert.Equal("any", events[^1].StepReady.StepId);

        var none = new MachineFixture(definition, Json("""{"a": false, "b": false}"""));
        none.Machine.Start(none.Now);
        none.Take();
        Assert.Equal(StepState.Skipped, none.Step("any").State);
        Assert.Equal("none of its dependencies succeeded", none.Step("any").Reason);
        Assert.Equal(ExecutionState.Succeeded, none.Machine.Fold.Execution.State);
    }

    [Fact]
    public void Condition_ThatCannotBeEvaluated_FailsTheStepWithTheReason()
    {
        var definition = Define(S("a"), S("b", "a"));
        definition.Steps["b"].When = "steps.a.output.count > 'ten'";
        var m = Started(definition);

        m.Run("a", StepAttemptResult.Success(Json("""{"count": 3}""")));

        var b = m.Step("b");
        Assert.Equal(StepState.Failed, b.State);
        Assert.Equal("INVALID_ARGUMENT", b.Error.Code);
        Assert.Contains("cannot be evaluated", b.Error.Message, StringComparison.Ordinal);
        Assert.Equal(ExecutionState.Failed, m.Log[^1].Finished.State);
    }

    [Fact]
    public void Sleep_WhenReady_SuspendsWithATimerAndNoDispatch_TimerEndsItAndReleasesDependents()
    {
        var definition = Define(S("nap"), S("after", "nap"));
        definition.Steps["nap"] = new StepDefinition { Sleep = new SleepStep { Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) } };
        var m = new MachineFixture(definition);

        m.Machine.Start(m.Now);
        var (events, actions) = m.Take();

        Assert.Equal([Kind.Started, Kind.StepReady, Kind.StepSuspended], events.Select(e => e.KindCase));
        Assert.Equal(MachineFixture.T0.AddMinutes(5), events[2].StepSuspended.WakeTime.ToDateTimeOffset());
        Assert.Equal([new MachineAction(MachineActionKind.StartTimer, m.Index("nap"), Due: MachineFixture.T0.AddMinutes(5), Timer: TimerPurpose.Wake)], actions);
        Assert.False(m.Machine.StartAttempt(m.Index("nap"), m.Now));
        Assert.Equal(StepState.Suspended, m.Step("nap").State);

        m.Now = MachineFixture.T0.AddMinutes(5);
        m.Machine.TimerDue(m.Index("nap"), 0, TimerPurpose.Wake, m.Now);
        var (woken, queued) = m.Take();

        Assert.Equal([Kind.StepSucceeded, Kind.StepReady], woken.Select(e => e.KindCase));
        Assert.Equal([new MachineAction(MachineActionKind.Enqueue, m.Index("after"))], queued);
    }

    [Fact]
    public void Signal_CompletesTheWaitingStepWithThePayload_UnknownNameCompletesNothing()
    {
        var definition = Define(S("approve"), S("ship", "approve"));
        definition.Steps["approve"] = new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "approval" } };
        definition.Steps["ship"].When = "steps.approve.output.approved == true";
        var m = Started(definition);
        Assert.Equal("approval", m.Step("approve").Signal);

        Assert.Empty(m.Machine.Signal("other", new Struct(), m.Now));
        var completed = m.Machine.Signal("approval", Json("""{"approved": true, "by": "ada"}"""), m.Now);
        var (events, _) = m.Take();

        Assert.Equal([m.Index("approve")], completed);
        Assert.Equal([Kind.StepSucceeded, Kind.StepReady], events.Select(e => e.KindCase));
        Assert.Equal("approval", events[0].StepSucceeded.Signal);
        Assert.Equal("ada", m.Step("approve").Output.Fields["by"].StringValue);
        Assert.Equal(string.Empty, m.Step("approve").Signal);
    }

    [Fact]
    public void Signal_TimeoutElapses_StepFailsWithDeadlineExceeded_LateSignalCompletesNothing()
    {
        var definition = Define(S("approve"));
        definition.Steps["approve"] = new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "approval", Timeout = Duration.FromTimeSpan(TimeSpan.FromHours(1)) } };
        var m = Started(definition);

        m.Machine.TimerDue(m.Index("approve"), 0, TimerPurpose.Wake, m.Now.AddHours(1));
        m.Take();

        Assert.Equal("DEADLINE_EXCEEDED", m.Step("approve").Error.Code);
        Assert.Equal(ExecutionState.Failed, m.Machine.Fold.Execution.State);
        Assert.Empty(m.Machine.Signal("approval", new Struct(), m.Now));
    }

    [Fact]
    public void Cancel_ReachesSuspendedSteps()
    {
        var definition = Define(S("approve"));
        definition.Steps["approve"] = new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "approval" } };
        var m = Started(definition);

        m.Machine.Cancel("no longer needed", m.Now);
        m.Take();

        Assert.Equal(StepState.Cancelled, m.Step("approve").State);
        Assert.Equal(ExecutionState.Cancelled, m.Machine.Fold.Execution.State);
    }

    [Fact]
    public void ExecutionTimeout_ArmedAtStart_WhenDueCancelsRemainingStepsAndFailsWithDeadlineExceeded()
    {
        var definition = Define(S("a"), S("b", "a"), S("nap"));
        definition.Steps["nap"] = new StepDefinition { Sleep = new SleepStep { Duration = Duration.FromTimeSpan(TimeSpan.FromHours(2)) } };
        definition.Timeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(10));
        var m = new MachineFixture(definition);

        m.Machine.Start(m.Now);
        var (_, actions) = m.Take();
        Assert.Contains(new MachineAction(MachineActionKind.StartTimer, -1, Due: MachineFixture.T0.AddMinutes(10), Timer: TimerPurpose.ExecutionTimeout), actions);
        var dispatch = m.Dispatch("a");

        m.Now = MachineFixture.T0.AddMinutes(10);
        m.Machine.TimerDue(-1, 0, TimerPurpose.ExecutionTimeout, m.Now);
        var (events, stop) = m.Take();

        Assert.Equal([Kind.TimedOut, Kind.StepCancelled, Kind.StepCancelled], events.Select(e => e.KindCase));
        Assert.Equal(["b", "nap"], events.Skip(1).Select(e => e.StepCancelled.StepId));
        Assert.Contains(stop, a => a.Kind == MachineActionKind.CancelAttempts);

        m.Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt, null, AttemptOutcome.Cancelled, 0, m.Now);
        var (last, _) = m.Take();
        var finished = last[^1].Finished;
        Assert.Equal(ExecutionState.Failed, finished.State);
        Assert.Equal("DEADLINE_EXCEEDED", finished.Error.Code);
        Assert.Equal("the execution did not finish within its timeout of 00:10:00", finished.Error.Message);
        Assert.Equal(finished.Error.Message, m.Step("a").Reason);
    }

    [Fact]
    public void Resume_ReplayedLogOfSuspendedSteps_RearmsTheirTimersAndTheExecutionTimeoutFromRecordedTimes()
    {
        var definition = Define(S("nap"), S("approve"));
        definition.Steps["nap"] = new StepDefinition { Sleep = new SleepStep { Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) } };
        definition.Steps["approve"] = new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "go", Timeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(30)) } };
        definition.Timeout = Duration.FromTimeSpan(TimeSpan.FromHours(1));
        var live = Started(definition);

        // A restart 3 minutes later: a fresh machine over the replayed log.
        var replay = new MachineFixture(definition);
        foreach (var e in live.Log.Skip(1))
        {
            replay.Machine.Fold.Apply(e);
        }

        var machine = new ExecutionMachine("e1", replay.Machine.Compiled, replay.Machine.Fold, new EngineOptions());
        machine.Resume(MachineFixture.T0.AddMinutes(3));

        Assert.Empty(machine.Events);
        Assert.Equal(
            [
                (-1, TimerPurpose.ExecutionTimeout, MachineFixture.T0.AddHours(1)),
                (replay.Index("approve"), TimerPurpose.Wake, MachineFixture.T0.AddMinutes(30)),
                (replay.Index("nap"), TimerPurpose.Wake, MachineFixture.T0.AddMinutes(5)),
            ],
            machine.Actions.Select(a => (a.Step, a.Timer, a.Due)));
        Assert.Equal([.. machine.Fold.Steps.Select(s => s.State)], [StepState.Suspended, StepState.Suspended]);
        Assert.Equal(ExecutionStateFold.Replay(live.Log), machine.Fold.Execution);
    }

    [Fact]
    public void Retry_AfterAConditionFailure_ReevaluatesTheCondition()
    {
        var definition = Define(S("a"), S("b", "a"));
        definition.Steps["b"].When = "steps.a.output.n / 0 > 1";
        var m = Started(definition);
        m.Run("a", StepAttemptResult.Success(Json("""{"n": 1}""")));
        Assert.Equal(StepState.Failed, m.Step("b").State);

        m.Machine.Retry(m.Now);
        m.Take();

        Assert.Equal(StepState.Failed, m.Step("b").State);
        Assert.Contains("division by zero", m.Step("b").Error.Message, StringComparison.Ordinal);
        Assert.Equal(2, m.Log.Count(e => e.KindCase == Kind.StepFailed && e.StepFailed.StepId == "b"));
    }
}
