using GrpcWorkflows.Engine.Dispatch;

namespace GrpcWorkflows.Engine.StateMachine;

/// <summary>What an <see cref="ExecutionMachine"/> asks its host to do.</summary>
internal enum MachineActionKind
{
    /// <summary>Now: queue the step for dispatch (it is READY, due for a retry, or an in-flight attempt to deliver again).</summary>
    Enqueue,

    /// <summary>Now: wake the machine with <see cref="ExecutionMachine.TimerDue"/> at <see cref="MachineAction.Due"/>.</summary>
    StartTimer,

    /// <summary>Now: the step's attempt never reached an executor; queue it when its type is reachable, else park it until it is.</summary>
    AwaitExecutor,

    /// <summary>Now: drop the execution's queued steps and timers (it is cancelled or finished).</summary>
    StopScheduling,

    /// <summary>Once the events before it are durable: hand the attempt to the dispatcher.</summary>
    Dispatch,

    /// <summary>Once durable: cancel the execution's in-flight attempts.</summary>
    CancelAttempts,

    /// <summary>Once durable: the execution is finished; drop it from memory.</summary>
    Finish,

    /// <summary>Once durable: start (or find again) the child execution of a <c>workflow</c> step, with <see cref="MachineAction.Request"/>'s input.</summary>
    StartChild,
}

/// <summary>One action of an <see cref="ExecutionMachine"/>.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Step">The step index, or -1.</param>
/// <param name="Attempt">The attempt number, or 0.</param>
/// <param name="Request">The attempt to dispatch (<see cref="MachineActionKind.Dispatch"/>).</param>
/// <param name="Due">When the timer fires (<see cref="MachineActionKind.StartTimer"/>).</param>
/// <param name="Timer">What the timer is for (<see cref="MachineActionKind.StartTimer"/>).</param>
internal readonly record struct MachineAction(MachineActionKind Kind, int Step = -1, int Attempt = 0, StepAttemptRequest? Request = null, DateTimeOffset Due = default, TimerPurpose Timer = TimerPurpose.Retry)
{
    /// <summary>Whether the host acts at once rather than after the events before it are durable.</summary>
    public bool IsImmediate => Kind is MachineActionKind.Enqueue or MachineActionKind.StartTimer or MachineActionKind.AwaitExecutor or MachineActionKind.StopScheduling;
}

/// <summary>What a step's timer is for; a step has at most one timer per purpose.</summary>
internal enum TimerPurpose
{
    /// <summary>The delay before the step's next attempt.</summary>
    Retry,

    /// <summary>The deadline of the step's wait for a reachable executor.</summary>
    ExecutorWait,

    /// <summary>The end of a built-in sleep, or the timeout of a wait for a signal.</summary>
    Wake,

    /// <summary>The whole execution's deadline (the step is -1).</summary>
    ExecutionTimeout,
}
