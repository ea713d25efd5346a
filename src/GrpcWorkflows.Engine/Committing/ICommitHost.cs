using GrpcWorkflows.Engine.Scheduling;

namespace GrpcWorkflows.Engine.Committing;

/// <summary>What the <see cref="EventCommitter"/> hands back to the engine around each append.</summary>
internal interface ICommitHost
{
    /// <summary>Runs a durable batch's actions; returns whether one of them finishes the execution. Outside the lock.</summary>
    bool Act(ExecutionRuntime runtime, PendingAction[] actions);

    /// <summary>Removes a finished execution from memory. Under the lock.</summary>
    void Close(ExecutionRuntime runtime);

    /// <summary>What follows <see cref="Close"/>, outside the lock.</summary>
    void Finish(ExecutionRuntime runtime);

    /// <summary>
    /// Drops an execution whose log cannot be appended: gives back what its undone
    /// <paramref name="actions"/> had taken (dispatch counters), fails its waiting callers and
    /// watchers with <paramref name="failure"/>. Under the lock.
    /// </summary>
    void Abandon(ExecutionRuntime runtime, PendingAction[] actions, Exception failure);

    /// <summary>
    /// Whether an attempt of <paramref name="runtime"/> may go out before its start is stored: no lease, or this
    /// replica renewed its leases recently enough that none of them can have been taken over. Under the lock.
    /// </summary>
    bool MayHoldStarts(ExecutionRuntime runtime);

    /// <summary>Completes a pending stop once nothing is in flight. Under the lock.</summary>
    void CheckDrained();
}
