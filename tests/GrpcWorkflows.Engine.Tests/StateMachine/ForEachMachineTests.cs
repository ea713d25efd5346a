using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.StateMachine;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;
using Kind = GrpcWorkflows.V1.ExecutionEvent.KindOneofCase;

namespace GrpcWorkflows.Engine.Tests.StateMachine;

/// <summary>Fan-out over data (<c>for_each</c>): the machine's transitions, one command at a time.</summary>
public sealed class ForEachMachineTests
{
    private static readonly StepAttemptResult Ok = StepAttemptResult.Success(new Struct());

    /// <summary>list → each (for_each over list's files, max_parallel 2, input {name: item, n: item_index}) → after.</summary>
    private static WorkflowDefinition FanOut(int maxParallel = 2, int maxAttempts = 3)
    {
        var definition = Define(S("list"), S("each", "list"), S("after", "each"));
        var each = definition.Steps["each"];
        each.ForEach = new ForEach { Items = "{{ steps.list.output.files }}", MaxParallel = maxParallel };
        each.Input = Json("""{"name": "{{ item }}", "n": "{{ item_index }}", "label": "file {{ item_index }}: {{ item }}"}""");
        each.RetryPolicy = new RetryPolicy { MaxAttempts = maxAttempts, InitialBackoff = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), BackoffMultiplier = 2, MaxBackoff = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)) };
        return definition;
    }

    private static MachineFixture ListRan(WorkflowDefinition definition, string files)
    {
        var m = new MachineFixture(definition);
        m.Machine.Start(m.Now);
        m.Take();
        m.Run("list", StepAttemptResult.Success(Json($$"""{"files": {{files}}}""")));
        return m;
    }

    private static MachineAction Start(MachineFixture m, string stepId = "each")
    {
        Assert.True(m.Machine.StartAttempt(m.Index(stepId), m.Now));
        var (_, actions) = m.Take();
        return Assert.Single(actions, a => a.Kind == MachineActionKind.Dispatch);
    }

    private static (List<ExecutionEvent> Events, List<MachineAction> Actions) Complete(MachineFixture m, MachineAction dispatch, StepAttemptResult result, AttemptOutcome outcome = AttemptOutcome.Completed)
    {
        m.Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt, result, outcome, 0, m.Now);
        return m.Take();
    }

    [Fact]
    public void FanOut_OverAnUpstreamArray_RecordsTheCountAndQueuesTheStepOnce()
    {
        var m = new MachineFixture(FanOut());
        m.Machine.Start(m.Now);
        m.Take();

        var (events, actions) = m.Run("list", StepAttemptResult.Success(Json("""{"files": ["a.csv", "b.csv", "c.csv"]}""")));

        Assert.Equal([Kind.StepSucceeded, Kind.StepReady, Kind.FannedOut], events.Select(e => e.KindCase));
        Assert.Equal(3, events[2].FannedOut.ItemCount);
        Assert.Equal([(MachineActionKind.Enqueue, m.Index("each"))], actions.Select(a => (a.Kind, a.Step)));
        Assert.Equal(StepState.Running, m.Step("each").State);
        Assert.Equal(3, m.Step("each").ForEach.Total);
    }

    [Fact]
    public void Items_StartInOrderUpToMaxParallel_WithTheItemInTheirInputAndTheirOwnKey()
    {
        var m = ListRan(FanOut(maxParallel: 2), """["a.csv", "b.csv", "c.csv"]""");

        Assert.True(m.Machine.StartAttempt(m.Index("each"), m.Now));
        var (events, actions) = m.Take();
        var first = Assert.Single(actions, a => a.Kind == MachineActionKind.Dispatch);
        Assert.Contains(actions, a => a.Kind == MachineActionKind.Enqueue);
        Assert.Equal(0, Assert.Single(events).AttemptStarted.Item);
        Assert.Equal(1, events[0].AttemptStarted.Attempt);

        var request = first.Request!.Request;
        Assert.Equal(0, request.Item);
        Assert.Equal("e1:each:0", request.IdempotencyKey);
        Assert.Equal("a.csv", request.Input.Fields["name"].StringValue);
        Assert.Equal(0, request.Input.Fields["n"].NumberValue);
        Assert.Equal("file 0: a.csv", request.Input.Fields["label"].StringValue);

        var second = Start(m);
        Assert.Equal(1, second.Request!.Request.Item);
        Assert.Equal("b.csv", second.Request.Request.Input.Fields["name"].StringValue);

        // Two in flight: the third waits for one of them.
        Assert.False(m.Machine.StartAttempt(m.Index("each"), m.Now));
        Assert.Empty(m.Take().Actions);
        Assert.Equal(2, m.Machine.Running);
        Assert.Equal(2, m.Step("each").ForEach.Running);
    }

    [Fact]
    public void Items_FinishingOutOfOrder_GiveTheOutputInItemOrderAndReleaseTheDependent()
    {
        var m = ListRan(FanOut(maxParallel: 2), """["a", "b", "c"]""");
        var item0 = Start(m);
        var item1 = Start(m);

        var (events, actions) = Complete(m, item1, StepAttemptResult.Success(Json("""{"out": "B"}""")));
        Assert.Equal(1, Assert.Single(events).ItemSucceeded.Item);
        Assert.Contains(actions, a => a.Kind == MachineActionKind.Enqueue && a.Step == m.Index("each"));

        var item2 = Start(m);
        Assert.Equal(2, item2.Request!.Request.Item);
        Complete(m, item2, StepAttemptResult.Success(Json("""{"out": "C"}""")));
        var (last, lastActions) = Complete(m, item0, StepAttemptResult.Success(Json("""{"out": "A"}""")));

        Assert.Equal([Kind.ItemSucceeded, Kind.StepSucceeded, Kind.StepReady], last.Select(e => e.KindCase));
        Assert.Equal("""{ "items": [ { "out": "A" }, { "out": "B" }, { "out": "C" } ] }""", last[1].StepSucceeded.Output.ToString());
        Assert.Equal([(MachineActionKind.Enqueue, m.Index("after"))], lastActions.Select(a => (a.Kind, a.Step)));
        Assert.Equal(3, m.Step("each").ForEach.Succeeded);
        Assert.Equal(3, m.Step("each").Attempts);
        Assert.Equal(ExecutionStateFold.Replay(m.Log), m.Machine.Fold.Execution);
    }

    [Fact]
    public void AnItemsFailedAttempt_IsRetriedOnItsOwnAfterItsBackoff()
    {
        var m = ListRan(FanOut(maxParallel: 5), """["a", "b"]""");
        var item0 = Start(m);
        var item1 = Start(m);

        var (events, actions) = Complete(m, item1, StepAttemptResult.Failure("UNAVAILABLE", "try later", retryable: true));

        var failed = Assert.Single(events).AttemptFailed;
        Assert.Equal((1, 1, true), (failed.Item, failed.Attempt, failed.WillRetry));
        var timer = Assert.Single(actions, a => a.Kind == MachineActionKind.StartTimer);
        Assert.Equal((m.Index("each"), TimerPurpose.Retry, m.Now.AddSeconds(1)), (timer.Step, timer.Timer, timer.Due));
        Assert.Equal(1, m.Step("each").ForEach.Retrying);
        Assert.Equal(StepState.RetryWait, Assert.Single(m.Step("each").ForEach.Items).State);

        // Nothing to start before the delay; then item 1 again, as its attempt 2.
        Assert.False(m.Machine.StartAttempt(m.Index("each"), m.Now));
        m.Now = m.Now.AddSeconds(1);
        m.Machine.TimerDue(timer.Step, timer.Attempt, timer.Timer, m.Now);
        Assert.Contains(m.Take().Actions, a => a.Kind == MachineActionKind.Enqueue);
        var retry = Start(m);
        Assert.Equal((1, 2), (retry.Request!.Request.Item, retry.Request.Request.Attempt));
        Assert.Equal("e1:each:1", retry.Request.Request.IdempotencyKey);

        Complete(m, retry, Ok);
        Complete(m, item0, Ok);
        Assert.Equal(StepState.Succeeded, m.Step("each").State);
        Assert.Equal(StepState.Succeeded, Assert.Single(m.Step("each").ForEach.Items).State);
        Assert.Equal(ExecutionStateFold.Replay(m.Log), m.Machine.Fold.Execution);
    }

    [Fact]
    public void AnItemFailingAfterItsRetries_FailsTheStepNamingTheItem_AndNoOtherItemStarts()
    {
        var m = ListRan(FanOut(maxParallel: 2, maxAttempts: 1), """["a", "b", "c"]""");
        var item0 = Start(m);
        var item1 = Start(m);

        var (events, actions) = Complete(m, item0, StepAttemptResult.Failure("INVALID_ARGUMENT", "bad file", retryable: false));

        Assert.Equal([Kind.AttemptFailed, Kind.StepFailed, Kind.StepSkipped, Kind.Finished], events.Select(e => e.KindCase));
        Assert.Equal((0, false), (events[0].AttemptFailed.Item, events[0].AttemptFailed.WillRetry));
        Assert.Equal("item 0 failed: bad file", events[1].StepFailed.Error.Message);
        Assert.Equal("after", events[2].StepSkipped.StepId);
        Assert.Equal(ExecutionState.Failed, events[3].Finished.State);
        Assert.Equal("step 'each' failed: item 0 failed: bad file", events[3].Finished.Error.Message);
        Assert.Contains(actions, a => a.Kind == MachineActionKind.CancelAttempts);

        // The other item's late result is not recorded; nothing else starts.
        Assert.False(m.Machine.CompleteAttempt(item1.Step, item1.Attempt, Ok, AttemptOutcome.Completed, 0, m.Now));
        Assert.False(m.Machine.StartAttempt(m.Index("each"), m.Now));
        Assert.Equal(0, m.Machine.Running);
        Assert.Equal(1, m.Step("each").ForEach.Failed);
        Assert.Equal(0, m.Step("each").ForEach.Running);
    }

    [Fact]
    public void ANonArray_FailsTheStepWithTheReason()
    {
        var m = ListRan(FanOut(), """{"not": "a list"}""");

        var failed = m.Log.Last(e => e.StepFailed is not null).StepFailed;
        Assert.Equal("each", failed.StepId);
        Assert.Equal("INVALID_ARGUMENT", failed.Error.Code);
        Assert.Equal("for_each.items: '{{ steps.list.output.files }}' is an object, not an array", failed.Error.Message);
    }

    [Fact]
    public void AnArrayOverTheLimit_FailsTheStep()
    {
        var options = new EngineOptions();
        options.Limits.MaxForEachItems = 2;
        var m = new MachineFixture(FanOut(), options: options);
        m.Machine.Start(m.Now);
        m.Take();
        m.Run("list", StepAttemptResult.Success(Json("""{"files": [1, 2, 3]}""")));

        var failed = m.Log.Last(e => e.StepFailed is not null).StepFailed;
        Assert.Equal("RESOURCE_EXHAUSTED", failed.Error.Code);
        Assert.Contains("has 3 items; the limit is 2 (WorkflowLimits.MaxForEachItems)", failed.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyArray_SucceedsAtOnceWithNoItems()
    {
        var m = ListRan(FanOut(), "[]");

        var succeeded = m.Log.Single(e => e.StepSucceeded?.StepId == "each").StepSucceeded;
        Assert.Equal("""{ "items": [ ] }""", succeeded.Output.ToString());
        Assert.Equal(StepState.Ready, m.Step("after").State);
    }

    [Fact]
    public void OverTheWorkflowInput_FansOutAtStart()
    {
        var definition = Define(S("each"));
        definition.Steps["each"].ForEach = new ForEach { Items = "{{ workflow.input.ids }}" };
        var m = new MachineFixture(definition, Json("""{"ids": [7, 8]}"""));

        m.Machine.Start(m.Now);
        var (events, _) = m.Take();

        Assert.Equal([Kind.Started, Kind.StepReady, Kind.FannedOut], events.Select(e => e.KindCase));
        Assert.Equal(2, events[2].FannedOut.ItemCount);
    }

    [Fact]
    public void Cancel_WithItemsInFlight_StopsThemAndCancelsTheStepWhenTheyEnd()
    {
        var m = ListRan(FanOut(maxParallel: 2), """["a", "b", "c"]""");
        var item0 = Start(m);
        var item1 = Start(m);

        m.Machine.Cancel("enough", m.Now);
        var (events, actions) = m.Take();
        Assert.Equal([Kind.CancelRequested, Kind.StepCancelled], events.Select(e => e.KindCase));
        Assert.Equal("after", events[1].StepCancelled.StepId);
        Assert.Contains(actions, a => a.Kind == MachineActionKind.CancelAttempts);
        Assert.False(m.Machine.StartAttempt(m.Index("each"), m.Now));

        Assert.Empty(Complete(m, item0, null!, AttemptOutcome.Cancelled).Events);
        var (last, _) = Complete(m, item1, null!, AttemptOutcome.Cancelled);

        Assert.Equal([Kind.StepCancelled, Kind.Finished], last.Select(e => e.KindCase));
        Assert.Equal(ExecutionState.Cancelled, last[1].Finished.State);
        Assert.Equal(ExecutionStateFold.Replay(m.Log), m.Machine.Fold.Execution);
    }

    [Fact]
    public void Resume_RedeliversItemsInFlightWithTheirAttempt_ResumesRetryWaits_AndStartsTheRest()
    {
        var definition = FanOut(maxParallel: 3);
        var live = ListRan(definition, """["a", "b", "c", "d", "e"]""");
        var item0 = Start(live);
        var item1 = Start(live);
        var item2 = Start(live);
        Complete(live, item0, Ok);
        Complete(live, item1, StepAttemptResult.Failure("UNAVAILABLE", "later", retryable: true));
        _ = item2;

        // A restart 10 seconds later: a fresh machine over the replayed log.
        var replay = new MachineFixture(definition);
        foreach (var e in live.Log.Skip(1))
        {
            replay.Machine.Fold.Apply(e);
        }

        var machine = new ExecutionMachine("e1", replay.Machine.Compiled, replay.Machine.Fold, new EngineOptions());
        var now = MachineFixture.T0.AddSeconds(10);
        machine.Resume(now);
        Assert.Empty(machine.Events);
        var each = replay.Index("each");
        Assert.Equal(
            [(MachineActionKind.StartTimer, each, TimerPurpose.Retry), (MachineActionKind.Enqueue, each, TimerPurpose.Retry)],
            machine.Actions.Select(a => (a.Kind, a.Step, a.Timer)));
        machine.Actions.Clear();

        // Item 2 was in flight: delivered again as its attempt 1, with no new start event; then item 3.
        Assert.True(machine.StartAttempt(each, now));
        var redelivered = Assert.Single(machine.Actions, a => a.Kind == MachineActionKind.Dispatch).Request!.Request;
        Assert.Equal((2, 1), (redelivered.Item, redelivered.Attempt));
        Assert.Empty(machine.Events);
        machine.Actions.Clear();
        Assert.True(machine.StartAttempt(each, now));
        Assert.Equal(3, Assert.Single(machine.Actions, a => a.Kind == MachineActionKind.Dispatch).Request!.Request.Item);
        Assert.Equal(3, Assert.Single(machine.Events).AttemptStarted.Item);
    }
}
