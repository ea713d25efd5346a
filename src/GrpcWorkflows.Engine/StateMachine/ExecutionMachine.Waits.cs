using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.StateMachine;

/// <summary>Built-in waits (sleep, wait for a signal) and the whole execution's timeout: timers and signals, never an executor.</summary>
internal sealed partial class ExecutionMachine
{
    /// <summary>
    /// A signal arrived: every step SUSPENDED waiting for <paramref name="name"/> succeeds with the
    /// payload as its output. Returns their indices; empty when no step waits for it.
    /// </summary>
    public List<int> Signal(string name, Struct payload, DateTimeOffset now)
    {
        if (IsFinished || Fold.CancelRequested)
        {
            return [];
        }

        var completed = WaitingFor(name).ToList();
        foreach (var i in completed)
        {
            Emit(new ExecutionEvent { StepSucceeded = new StepSucceeded { StepId = Graph.Ids[i], Output = payload.Clone(), Signal = name } }, now);
            Settle(i, now);
        }

        CheckFinished(now);
        return completed;
    }

    /// <summary>The indices of the steps SUSPENDED waiting for <paramref name="name"/>.</summary>
    public IEnumerable<int> WaitingFor(string name)
    {
        foreach (var i in Compiled.Order)
        {
            if (Steps[i].State == StepState.Suspended && Compiled.Kinds[i] == StepKind.Signal && Steps[i].Signal == name)
            {
                yield return i;
            }
        }
    }

    /// <summary>A READY built-in wait starts waiting: its time (a sleep) or its signal, with a timer for the wake or the timeout.</summary>
    private void Suspend(int step, DateTimeOffset now)
    {
        if (Compiled.Kinds[step] == StepKind.SubWorkflow)
        {
            StartChild(step, now);
            return;
        }

        var definition = Graph.Steps[step];
        var suspended = new StepSuspended { StepId = Graph.Ids[step] };
        if (Compiled.Kinds[step] == StepKind.Sleep)
        {
            var wake = definition.Sleep.Until is { } until ? until.ToDateTimeOffset() : now + definition.Sleep.Duration.ToTimeSpan();
            suspended.WakeTime = Timestamp.FromDateTimeOffset(wake);
        }
        else
        {
            suspended.Signal = definition.WaitForSignal.Name;
            if (definition.WaitForSignal.Timeout is { } timeout)
            {
                suspended.WakeTime = Timestamp.FromDateTimeOffset(now + timeout.ToTimeSpan());
            }
        }

        Emit(new ExecutionEvent { StepSuspended = suspended }, now);
        if (suspended.WakeTime is { } due)
        {
            var at = due.ToDateTimeOffset();
            Actions.Add(new MachineAction(MachineActionKind.StartTimer, step, Due: at > now ? at : now, Timer: TimerPurpose.Wake));
        }
    }

    /// <summary>A suspended step's timer is due: a sleep ends (the step succeeds), a wait for a signal times out (the step fails).</summary>
    private void Wake(int step, DateTimeOffset now)
    {
        if (Compiled.Kinds[step] == StepKind.Sleep)
        {
            Emit(new ExecutionEvent { StepSucceeded = new StepSucceeded { StepId = Graph.Ids[step], Output = new Struct() } }, now);
            Settle(step, now);
            CheckFinished(now);
            return;
        }

        var wait = Graph.Steps[step].WaitForSignal;
        FailStep(step, 0, new StepError
        {
            Code = "DEADLINE_EXCEEDED",
            Message = $"no signal '{wait.Name}' arrived within {wait.Timeout.ToTimeSpan()}",
            Retryable = false,
        }, now);
    }

    /// <summary>Asks for the execution's deadline timer, counted from the start of the current run.</summary>
    private void ArmExecutionTimeout(DateTimeOffset now)
    {
        if (Compiled.Timeout is { } timeout)
        {
            var due = (Fold.RunStartTime ?? now) + timeout;
            Actions.Add(new MachineAction(MachineActionKind.StartTimer, -1, Due: due > now ? due : now, Timer: TimerPurpose.ExecutionTimeout));
        }
    }

    /// <summary>The execution's deadline passed: recorded, the remaining steps cancelled with the reason, running attempts asked to stop.</summary>
    private void TimeOut(DateTimeOffset now)
    {
        if (Fold.CancelRequested || Compiled.Timeout is not { } timeout)
        {
            return;
        }

        Emit(new ExecutionEvent { TimedOut = new ExecutionTimedOut { Timeout = Duration.FromTimeSpan(timeout) } }, now);
        CancelRemaining(StopReason, includeRunning: false, now);
        Actions.Add(new MachineAction(MachineActionKind.CancelAttempts));
        CheckFinished(now);
    }
}
