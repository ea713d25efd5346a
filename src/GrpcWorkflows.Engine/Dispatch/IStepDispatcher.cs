namespace GrpcWorkflows.Engine.Dispatch;

/// <summary>
/// Runs one attempt of one step somewhere (over gRPC in the orchestrator, in memory in tests).
/// The engine never knows about channels or endpoints; the dispatcher never knows about DAGs.
/// </summary>
/// <remarks>
/// The engine's scheduler asks <see cref="HasCapacity"/> before dispatching a READY step, so
/// that steps wait in the engine's READY queue rather than inside the dispatcher. When
/// capacity frees up the dispatcher raises <see cref="CapacityAvailable"/> and the scheduler
/// looks at its queue again; it also looks whenever an attempt ends (after <see cref="DispatchAsync"/>
/// returns), so capacity freed by the end of an attempt, and visible before that attempt's
/// <see cref="DispatchAsync"/> returns, need not be announced. A step type with no callable endpoint reports capacity, so that its
/// attempt comes back at once as <see cref="StepAttemptResult.Undelivered"/>: that is not an
/// attempt, and the engine parks the step until <see cref="IsReachable(string, string)"/> holds for its type and
/// <see cref="CapacityAvailable"/> is raised (or its maximum wait passes).
/// </remarks>
public interface IStepDispatcher
{
    /// <summary>Whether an attempt of a step of <paramref name="stepType"/> can start now without waiting.</summary>
    bool HasCapacity(string stepType);

    /// <summary>
    /// How many more attempts of <paramref name="stepType"/> could start now without waiting. The
    /// engine never hands over more attempts than this, counting the ones it has decided to start
    /// but not yet passed to <see cref="DispatchAsync"/> (their start event is being persisted).
    /// The default answers "unbounded" when <see cref="HasCapacity"/> is true and 0 otherwise;
    /// a dispatcher with a per-endpoint budget should return its free slots.
    /// </summary>
    int AvailableCapacity(string stepType) => HasCapacity(stepType) ? int.MaxValue : 0;

    /// <summary>
    /// How many more attempts of <paramref name="stepType"/> for an execution of <paramref name="executionNamespace"/>
    /// could start now: a dispatcher whose executors serve only some namespaces counts only those that serve
    /// this one, and answers "unbounded" when none of them is callable (the attempt then comes back undelivered,
    /// and the step waits until <see cref="IsReachable(string, string)"/> holds). The default ignores the namespace.
    /// </summary>
    int AvailableCapacity(string stepType, string executionNamespace) => AvailableCapacity(stepType);

    /// <summary>
    /// Whether some executor of <paramref name="stepType"/> may be callable now (registered, not known
    /// to be down, circuit not open). A step whose attempt came back undelivered waits until this
    /// holds. The dispatcher raises <see cref="CapacityAvailable"/> when it turns true.
    /// </summary>
    bool IsReachable(string stepType) => true;

    /// <summary>
    /// Whether some executor of <paramref name="stepType"/> that serves executions of <paramref name="executionNamespace"/>
    /// may be callable now. The default ignores the namespace.
    /// </summary>
    bool IsReachable(string stepType, string executionNamespace) => IsReachable(stepType);

    /// <summary>Raised (on any thread) when capacity for some step type frees up, or an executor becomes reachable.</summary>
    event EventHandler? CapacityAvailable;

    /// <summary>
    /// Runs one attempt. Never throws for an executor or transport failure: those come back as
    /// <see cref="StepAttemptResult.Error"/>. Throws <see cref="OperationCanceledException"/> only
    /// when <paramref name="cancellationToken"/> fired (the execution was cancelled or the engine stops).
    /// The engine owns the attempt's timeout (<see cref="StepAttemptRequest.Timeout"/>): it cancels
    /// <paramref name="cancellationToken"/> when the time is up and records <c>DEADLINE_EXCEEDED</c>.
    /// A dispatcher passes the timeout on to the executor (as the call's deadline) and enforces no
    /// timeout of its own.
    /// </summary>
    ValueTask<StepAttemptResult> DispatchAsync(StepAttemptRequest request, CancellationToken cancellationToken = default);
}
