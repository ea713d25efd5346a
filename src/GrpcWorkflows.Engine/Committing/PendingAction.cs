using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Dispatching;
using GrpcWorkflows.Engine.Scheduling;

namespace GrpcWorkflows.Engine.Committing;

/// <summary>What to do once a batch of events is durable.</summary>
internal enum PendingActionKind
{
    /// <summary>Dispatch an attempt.</summary>
    Dispatch,

    /// <summary>Complete a waiting caller (cancel, retry).</summary>
    Signal,

    /// <summary>Cancel the in-flight attempts of a cancelled execution.</summary>
    CancelAttempts,

    /// <summary>The execution finished: drop it from memory.</summary>
    Finish,

    /// <summary>Start (or find again) the child execution of a <c>workflow</c> step.</summary>
    StartChild,
}

/// <summary>One action deferred until the events before it are durable.</summary>
internal readonly record struct PendingAction(PendingActionKind Kind, int Step, int Attempt, StepAttemptRequest? Request, TaskCompletionSource? Signal, InTransitCounter? InTransit = null);

/// <summary>One execution's events and actions taken for one append; <paramref name="Appended"/>: its events are durable already.</summary>
internal readonly record struct AppendBatch(ExecutionRuntime Runtime, V1.ExecutionEvent[] Events, PendingAction[] Actions, bool Appended = false);
