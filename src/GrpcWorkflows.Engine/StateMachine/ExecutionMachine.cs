using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Attempts;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Results;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.StateMachine;

/// <summary>
/// One execution's scheduling decisions as a pure state machine: each command (start, resume,
/// an attempt's outcome, a due timer, cancel, retry) turns the current state into new events
/// and actions. Every event goes through the same <see cref="ExecutionStateFold"/> that replays
/// a stored log, so the state after a command is exactly the state a replay of its events gives.
/// </summary>
/// <remarks>
/// No lock, no store, no dispatcher, no clock: the time and the jitter come in with each command.
/// Not thread-safe; the host serializes commands. New events and actions accumulate in
/// <see cref="Events"/> and <see cref="Actions"/> until the host takes them.
/// </remarks>
internal sealed partial class ExecutionMachine
{
    /// <summary>The attempt handed out and not yet completed, by step; 0 for none.</summary>
    private readonly int[] _inFlight;

    public ExecutionMachine(string id, CompiledWorkflow compiled, ExecutionStateFold fold, EngineOptions options)
    {
        Id = id;
        Compiled = compiled;
        Fold = fold;
        Limits = options.Limits;
        MaxExecutorWait = options.MaxExecutorWait;
        LastSequence = fold.Execution.LastSequence;
        _inFlight = new int[compiled.Graph.Count];
    }

    public string Id { get; }

    public CompiledWorkflow Compiled { get; }

    /// <summary>The durable part of the state: what the events say.</summary>
    public ExecutionStateFold Fold { get; }

    public WorkflowLimits Limits { get; }

    /// <summary>Where <c>{{ secrets.NAME }}</c> in step inputs resolve at dispatch; none known when null.</summary>
    public Secrets.ISecretProvider? Secrets { get; init; }

    /// <summary>How long a step waits for a reachable executor before it fails.</summary>
    public TimeSpan MaxExecutorWait { get; }

    /// <summary>The sequence of the latest event decided.</summary>
    public long LastSequence { get; private set; }

    /// <summary>Attempts handed out and not yet completed.</summary>
    public int Running { get; private set; }

    /// <summary>A finished event was decided: nothing more is scheduled.</summary>
    public bool IsFinished => Fold.IsFinished;

    /// <summary>Events decided and not yet taken by the host, in sequence order.</summary>
    public List<ExecutionEvent> Events { get; } = [];

    /// <summary>Actions decided and not yet taken by the host, in order.</summary>
    public List<MachineAction> Actions { get; } = [];

    private StepExecution[] Steps => Fold.Steps;

    private WorkflowGraph Graph => Compiled.Graph;

    /// <summary>A new execution starts: the steps without dependencies become READY.</summary>
    public void Start(DateTimeOffset now)
    {
        Emit(new ExecutionEvent { Started = new ExecutionStarted() }, now);
        ArmExecutionTimeout(now);
        ReleaseWaiting(now);
        CheckFinished(now);
    }

    /// <summary>A recovered execution continues from its folded state: in-flight attempts are delivered again, retry timers resume.</summary>
    public void Resume(DateTimeOffset now)
    {
        if (Fold.Execution.State == ExecutionState.Pending)
        {
            Start(now);
            return;
        }

        if (Fold.CancelRequested)
        {
            CancelRemaining(StopReason, includeRunning: true, now);
            CheckFinished(now);
            return;
        }

        ArmExecutionTimeout(now);
        foreach (var i in Compiled.Order)
        {
            var step = Steps[i];
            if (Compiled.ForEach[i] is not null && step.State is StepState.Ready or StepState.Running)
            {
                ResumeItems(i, now);
                continue;
            }

            switch (step.State)
            {
                case StepState.Running:
                    Actions.Add(new MachineAction(MachineActionKind.Enqueue, i));
                    break;
                case StepState.Ready when Compiled.Kinds[i] != StepKind.Executor:
                    Suspend(i, now);
                    break;
                case StepState.Suspended when Compiled.Kinds[i] == StepKind.SubWorkflow:
                    RequestChild(i, now);
                    break;
                case StepState.Ready:
                    if (step.ExecutorWait?.Deadline is { } waitDeadline)
                    {
                        var deadline = waitDeadline.ToDateTimeOffset();
                        Actions.Add(new MachineAction(MachineActionKind.StartTimer, i, Due: deadline > now ? deadline : now, Timer: TimerPurpose.ExecutorWait));
                    }

                    Actions.Add(new MachineAction(MachineActionKind.Enqueue, i));
                    break;
                case StepState.RetryWait:
                    var due = step.NextAttemptTime?.ToDateTimeOffset() ?? now;
                    Actions.Add(new MachineAction(MachineActionKind.StartTimer, i, step.Attempts, Due: due > now ? due : now));
                    break;
                case StepState.Suspended when step.WakeTime is { } wake:
                    var wakeAt = wake.ToDateTimeOffset();
                    Actions.Add(new MachineAction(MachineActionKind.StartTimer, i, Due: wakeAt > now ? wakeAt : now, Timer: TimerPurpose.Wake));
                    break;
            }
        }

        ReleaseWaiting(now);
        CheckFinished(now);
    }

    /// <summary>A FAILED or CANCELLED execution runs its failed, skipped and cancelled steps again; returns their ids.</summary>
    public List<string> Retry(DateTimeOffset now)
    {
        var ids = new List<string>();
        foreach (var i in Compiled.Order)
        {
            if (Steps[i].State is StepState.Failed or StepState.Skipped or StepState.Cancelled)
            {
                ids.Add(Graph.Ids[i]);
            }
        }

        var retried = new ExecutionRetried();
        retried.StepIds.AddRange(ids);
        Emit(new ExecutionEvent { Retried = retried }, now);
        ArmExecutionTimeout(now);
        ReleaseWaiting(now);
        CheckFinished(now);
        return ids;
    }

    /// <summary>A client cancels: steps not in flight are cancelled at once, in-flight attempts are asked to stop.</summary>
    public void Cancel(string reason, DateTimeOffset now)
    {
        if (!Fold.CancelRequested)
        {
            Emit(new ExecutionEvent { CancelRequested = new ExecutionCancelRequested { Reason = reason } }, now);
            CancelRemaining($"the execution was cancelled: {reason}", includeRunning: false, now);
            Actions.Add(new MachineAction(MachineActionKind.CancelAttempts));
        }

        CheckFinished(now);
    }

    /// <summary>
    /// The host has capacity for one of the steps the machine asked it to queue: a new attempt
    /// starts, or a recovered in-flight attempt is delivered again with its own number and key.
    /// Returns false when the step no longer wants an attempt (the command changes nothing).
    /// </summary>
    public bool StartAttempt(int step, DateTimeOffset now)
    {
        if (Compiled.ForEach[step] is not null)
        {
            return StartItem(step, now);
        }

        var state = Steps[step].State;
        if (IsFinished || _inFlight[step] != 0 || state is not (StepState.Ready or StepState.RetryWait or StepState.Running))
        {
            return false;
        }

        var redeliver = state == StepState.Running;
        var attempt = redeliver ? Steps[step].Attempts : Steps[step].Attempts + 1;
        var request = AttemptRequestFactory.Create(Fold, Compiled, step, attempt, Limits, Secrets, out var error);
        if (request is null)
        {
            FailStep(step, attempt - 1, error!, now);
            return true;
        }

        Running++;
        _inFlight[step] = attempt;
        if (!redeliver)
        {
            Emit(new ExecutionEvent { AttemptStarted = new StepAttemptStarted { StepId = Graph.Ids[step], Attempt = attempt, IdempotencyKey = request.Request.IdempotencyKey } }, now);
        }

        Actions.Add(new MachineAction(MachineActionKind.Dispatch, step, attempt, request));
        return true;
    }

    /// <summary>
    /// The host holds back a new execution under its workflow's concurrency limit: it stays PENDING
    /// and records why, once (a recovered queued execution has recorded it already).
    /// </summary>
    public void Queue(FlowWait wait, DateTimeOffset now)
    {
        if (IsFinished || Fold.Execution.State != ExecutionState.Pending || Fold.Execution.FlowWait is not null)
        {
            return;
        }

        wait.Since = Timestamp.FromDateTimeOffset(now);
        Emit(new ExecutionEvent { ExecutionQueued = new ExecutionQueued { Wait = wait } }, now);
    }

    /// <summary>
    /// The host holds back a step it was asked to queue (flow control): the step records why, once
    /// per kind and key of wait. The step keeps its state; the host starts it when it may.
    /// </summary>
    public void Throttle(int step, FlowWait wait, DateTimeOffset now)
    {
        var current = Steps[step];
        if (IsFinished || current.State is not (StepState.Ready or StepState.RetryWait or StepState.Running)
            || (current.FlowWait is { } previous && previous.Kind == wait.Kind && previous.Key == wait.Key))
        {
            return;
        }

        wait.Since = current.FlowWait?.Since ?? Timestamp.FromDateTimeOffset(now);
        Emit(new ExecutionEvent { StepThrottled = new StepThrottled { StepId = Graph.Ids[step], Wait = wait } }, now);
    }

    /// <summary>
    /// An attempt handed out by <see cref="StartAttempt"/> ended. <paramref name="jitter"/> in [0, 1)
    /// draws the retry delay. Returns whether the outcome was recorded (false for a stale attempt,
    /// a finished execution, an engine stop, or a call that never reached an executor).
    /// </summary>
    public bool CompleteAttempt(int step, int attempt, StepAttemptResult? result, AttemptOutcome outcome, double jitter, DateTimeOffset now)
    {
        if (attempt < 0)
        {
            return CompleteItem(step, ItemOfTicket(attempt), result, outcome, jitter, now);
        }

        if (_inFlight[step] == attempt)
        {
            _inFlight[step] = 0;
            Running--;
        }

        var current = Steps[step];
        if (IsFinished || current.State != StepState.Running || current.Attempts != attempt || outcome == AttemptOutcome.Stopped)
        {
            return false;
        }

        if (outcome == AttemptOutcome.Completed && result is { ReachedExecutor: false } && !Fold.CancelRequested)
        {
            AwaitExecutor(step, attempt, result.Error?.Message ?? "no executor could be called", now);
            CheckFinished(now);
            return false;
        }

        var stepId = Graph.Ids[step];
        var endpoint = result?.Endpoint ?? string.Empty;
        if (result is { Succeeded: true })
        {
            var output = result.Output ?? new Struct();
            if (Oversized(output, "the output") is { } oversized)
            {
                Emit(new ExecutionEvent { AttemptFailed = new StepAttemptFailed { StepId = stepId, Attempt = attempt, Error = oversized, Endpoint = endpoint } }, now);
                FailStep(step, attempt, oversized, now);
            }
            else
            {
                Emit(new ExecutionEvent { StepSucceeded = new StepSucceeded { StepId = stepId, Attempt = attempt, Output = output, Endpoint = endpoint } }, now);
                Settle(step, now);
            }
        }
        else if (outcome == AttemptOutcome.Cancelled || Fold.CancelRequested)
        {
            Emit(new ExecutionEvent { StepCancelled = new StepCancelled { StepId = stepId, Reason = StopReason } }, now);
        }
        else
        {
            var error = result?.Error ?? new StepError
            {
                Code = "DEADLINE_EXCEEDED",
                Message = $"attempt {attempt} did not finish within its timeout of {Compiled.Timeouts[step]}",
                Retryable = true,
            };
            var plan = Compiled.RetryPlans[step];
            var attemptsThisRun = attempt - Fold.AttemptBase(stepId);
            if (plan.IsRetryable(error) && attemptsThisRun < plan.MaxAttempts)
            {
                var delay = plan.Delay(attemptsThisRun, jitter, result?.RetryAfter);
                Emit(new ExecutionEvent
                {
                    AttemptFailed = new StepAttemptFailed { StepId = stepId, Attempt = attempt, Error = error, WillRetry = true, RetryDelay = Duration.FromTimeSpan(delay), Endpoint = endpoint },
                }, now);
                Actions.Add(new MachineAction(MachineActionKind.StartTimer, step, attempt, Due: now + delay));
            }
            else
            {
                Emit(new ExecutionEvent { AttemptFailed = new StepAttemptFailed { StepId = stepId, Attempt = attempt, Error = error, Endpoint = endpoint } }, now);
                FailStep(step, attempt, error, now);
            }
        }

        CheckFinished(now);
        return true;
    }

    /// <summary>
    /// The host could not carry out a command for the step (an exception while starting it): the
    /// step fails terminally with <paramref name="error"/>, as any failed step does.
    /// </summary>
    public void FailStep(int step, StepError error, DateTimeOffset now)
    {
        if (IsFinished || ExecutionStateFold.IsTerminal(Steps[step].State))
        {
            return;
        }

        FailStep(step, Steps[step].Attempts, error, now);
    }

    /// <summary>
    /// The execution's state can no longer be trusted (an exception while deciding for it): one
    /// FAILED finish event with the reason, its attempts cancelled, nothing else scheduled.
    /// </summary>
    public void Fault(string reason, DateTimeOffset now)
    {
        if (IsFinished)
        {
            return;
        }

        Actions.Add(new MachineAction(MachineActionKind.StopScheduling));
        Emit(new ExecutionEvent
        {
            Finished = new ExecutionFinished { State = ExecutionState.Failed, Error = new StepError { Code = "INTERNAL", Message = reason } },
        }, now);
        Actions.Add(new MachineAction(MachineActionKind.CancelAttempts));
        Actions.Add(new MachineAction(MachineActionKind.Finish));
    }

    /// <summary>
    /// A timer the machine asked for is due: after a retry delay the step's next attempt may start;
    /// at an executor wait's deadline (the host calls only while the step is parked) the step fails.
    /// </summary>
    public void TimerDue(int step, int attempt, TimerPurpose purpose, DateTimeOffset now)
    {
        if (IsFinished)
        {
            return;
        }

        if (purpose == TimerPurpose.ExecutionTimeout)
        {
            TimeOut(now);
            return;
        }

        if (purpose == TimerPurpose.Retry && Compiled.ForEach[step] is not null)
        {
            ItemRetriesDue(step, now);
            return;
        }

        var current = Steps[step];
        if (purpose == TimerPurpose.Wake)
        {
            if (current.State == StepState.Suspended)
            {
                Wake(step, now);
            }

            return;
        }

        if (purpose == TimerPurpose.Retry && current.State == StepState.RetryWait && current.Attempts == attempt)
        {
            Actions.Add(new MachineAction(MachineActionKind.Enqueue, step));
        }
        else if (purpose == TimerPurpose.ExecutorWait && current.State == StepState.Ready && _inFlight[step] == 0)
        {
            GiveUpWaiting(step, now);
        }
    }

    /// <summary>
    /// An attempt never reached an executor: not an attempt. The step is READY again with its attempt
    /// taken back and waits, visibly, for a reachable executor, until its wait's deadline.
    /// </summary>
    private void AwaitExecutor(int step, int attempt, string reason, DateTimeOffset now)
    {
        var previous = Steps[step].ExecutorWait;
        var wait = new ExecutorWait
        {
            Reason = reason,
            Since = previous?.Since ?? Timestamp.FromDateTimeOffset(now),
            Deadline = previous?.Deadline ?? Timestamp.FromDateTimeOffset(now + MaxExecutorWait),
        };
        Emit(new ExecutionEvent { AwaitingExecutor = new StepAwaitingExecutor { StepId = Graph.Ids[step], Attempt = attempt, Wait = wait } }, now);
        var deadline = wait.Deadline.ToDateTimeOffset();
        if (deadline <= now)
        {
            GiveUpWaiting(step, now);
            return;
        }

        if (previous is null)
        {
            Actions.Add(new MachineAction(MachineActionKind.StartTimer, step, Due: deadline, Timer: TimerPurpose.ExecutorWait));
        }

        Actions.Add(new MachineAction(MachineActionKind.AwaitExecutor, step));
    }

    /// <summary>The wait for an executor passed its deadline: the step fails, having never run this attempt.</summary>
    private void GiveUpWaiting(int step, DateTimeOffset now)
    {
        var wait = Steps[step].ExecutorWait;
        var stepType = Graph.Steps[step].Type;
        var since = wait?.Since?.ToDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "?";
        FailStep(step, Steps[step].Attempts, new StepError
        {
            Code = "UNAVAILABLE",
            Message = $"no executor of step type '{stepType}' could be reached from {since} for {MaxExecutorWait} (Engine:MaxExecutorWait), so the step was not run; last reason: {wait?.Reason}",
            Retryable = false,
        }, now);
    }

    /// <summary>The error of an output over <see cref="WorkflowLimits.MaxPayloadBytes"/>, or null.</summary>
    private StepError? Oversized(Struct output, string what)
    {
        var size = output.CalculateSize();
        return size > Limits.MaxPayloadBytes
            ? new StepError { Code = "RESOURCE_EXHAUSTED", Message = $"{what} is {size} bytes; the limit is {Limits.MaxPayloadBytes} bytes (WorkflowLimits.MaxPayloadBytes)", Retryable = false }
            : null;
    }

    private void Emit(ExecutionEvent e, DateTimeOffset now)
    {
        e.ExecutionId = Id;
        e.Sequence = ++LastSequence;
        e.Time = Timestamp.FromDateTimeOffset(now);
        Fold.Apply(e, Compiled);
        Events.Add(e);
    }

    private void MakeReady(int step, DateTimeOffset now)
    {
        Emit(new ExecutionEvent { StepReady = new StepReady { StepId = Graph.Ids[step] } }, now);
        if (Compiled.ForEach[step] is not null)
        {
            FanOut(step, now);
        }
        else if (Compiled.Kinds[step] == StepKind.Executor)
        {
            Actions.Add(new MachineAction(MachineActionKind.Enqueue, step));
        }
        else
        {
            Suspend(step, now);
        }
    }

    /// <summary>Records a terminal failure; the step's descendants are skipped unless it continues on failure.</summary>
    private void FailStep(int step, int attempts, StepError error, DateTimeOffset now)
    {
        var continued = Graph.Steps[step].ContinueOnFailure;
        Emit(new ExecutionEvent { StepFailed = new StepFailed { StepId = Graph.Ids[step], Attempts = attempts, Error = error, Continued = continued } }, now);
        Settle(step, now);
        CheckFinished(now);
    }

    private void CancelRemaining(string reason, bool includeRunning, DateTimeOffset now)
    {
        foreach (var i in Compiled.Order)
        {
            var state = Steps[i].State;
            if (ExecutionStateFold.IsTerminal(state) || (state == StepState.Running && !includeRunning && _inFlight[i] != 0))
            {
                continue;
            }

            Emit(new ExecutionEvent { StepCancelled = new StepCancelled { StepId = Graph.Ids[i], Reason = reason } }, now);
        }

        Actions.Add(new MachineAction(MachineActionKind.StopScheduling));
    }

    private void CheckFinished(DateTimeOffset now)
    {
        if (IsFinished || Fold.TerminalCount < Graph.Count)
        {
            return;
        }

        var finished = new ExecutionFinished { Result = ExecutionResultBuilder.Build(Fold, Compiled, Limits, out var resultError) };
        if (Fold.TimedOut)
        {
            finished.State = ExecutionState.Failed;
            finished.Error = new StepError { Code = "DEADLINE_EXCEEDED", Message = Fold.CancelReason ?? "the execution timed out" };
        }
        else if (Fold.CancelRequested)
        {
            finished.State = ExecutionState.Cancelled;
            finished.Error = new StepError { Code = "CANCELLED", Message = Fold.CancelReason ?? "cancelled by a client" };
        }
        else if (Fold.FirstFailure >= 0)
        {
            var error = Steps[Fold.FirstFailure].Error;
            finished.State = ExecutionState.Failed;
            finished.Error = new StepError
            {
                Code = error?.Code ?? "UNKNOWN",
                Message = $"step '{Graph.Ids[Fold.FirstFailure]}' failed: {error?.Message}",
                Details = error?.Details,
            };
        }
        else if (resultError is not null)
        {
            finished.State = ExecutionState.Failed;
            finished.Error = resultError;
        }
        else
        {
            finished.State = ExecutionState.Succeeded;
        }

        Emit(new ExecutionEvent { Finished = finished }, now);
        Actions.Add(new MachineAction(MachineActionKind.StopScheduling));
        if (Running > 0)
        {
            // Items of a failed for_each step still in flight: their results would not be recorded.
            Actions.Add(new MachineAction(MachineActionKind.CancelAttempts));
        }

        Actions.Add(new MachineAction(MachineActionKind.Finish));
    }
}
