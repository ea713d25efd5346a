using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// What orchestrator replicas sharing one store need beyond single leases: claims of executions nobody
/// owns (or whose owner's lease expired), renewal and release of everything one replica holds in one
/// statement each, commands for an execution's owner (cancel, signal) left by any replica, and wake-ups
/// when anything is appended or commanded anywhere.
/// </summary>
/// <remarks>
/// Lease times are the store's clock. A replica is identified by an owner name unique to its process
/// (two processes must never share one).
/// </remarks>
public interface IExecutionReplicaStore : IExecutionLeaseStore
{
    /// <summary>
    /// <see cref="IExecutionStore.CreateAsync"/>, the new execution owned at once by <paramref name="owner"/>
    /// (epoch 1, in the same write): no other replica can claim it first. The lease is null when the
    /// idempotency key named an existing execution (nothing was created).
    /// </summary>
    ValueTask<(CreateExecutionResult Created, ExecutionLease? Lease)> CreateOwnedAsync(ExecutionEvent firstEvent, string owner, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes up to <paramref name="max"/> unfinished executions that nobody owns or whose lease has expired,
    /// each with the next epoch; executions other claimers are taking at the same moment are skipped. An
    /// execution handed over for a step type (<see cref="HandOverAsync"/>) is taken only by a claimer that
    /// serves that type for the execution's namespace (<paramref name="servedStepTypes"/>, entries as
    /// <see cref="ServedStepTypes"/> writes them) until its exclusivity ends.
    /// </summary>
    ValueTask<IReadOnlyList<ExecutionLease>> ClaimAsync(string owner, TimeSpan duration, int max, IReadOnlyCollection<string> servedStepTypes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives an execution up because its owner reaches no executor of <paramref name="stepType"/>: replicas
    /// whose executors serve the type may claim it at once, any replica after <paramref name="exclusivity"/>.
    /// Returns false when the lease was lost already.
    /// </summary>
    ValueTask<bool> HandOverAsync(ExecutionLease lease, string stepType, TimeSpan exclusivity, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that <paramref name="owner"/> is alive and whose executors serve <paramref name="servedStepTypes"/>
    /// (entries as <see cref="ServedStepTypes"/> writes them); returns the other replicas seen alive within
    /// <paramref name="liveWithin"/> and the entries they serve.
    /// </summary>
    ValueTask<ReplicaHeartbeat> HeartbeatAsync(string owner, IReadOnlyCollection<string> servedStepTypes, TimeSpan liveWithin, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends to <paramref name="duration"/> every lease <paramref name="owner"/> still holds on an unfinished
    /// execution with less than two thirds of <paramref name="duration"/> left (one statement; the others are left
    /// as they are, so renewing every few seconds rewrites each lease only every other tick) and returns all the
    /// leases it holds; a lease the caller thinks it holds and that is not returned is lost.
    /// </summary>
    ValueTask<IReadOnlyList<ExecutionLease>> RenewAllAsync(string owner, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Gives up every lease <paramref name="owner"/> holds, so that other replicas take them at once (drain), and leaves the live replicas.</summary>
    ValueTask<int> ReleaseAllAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>Records a command for whichever replica owns the execution (now or later) and wakes the replicas.</summary>
    ValueTask AddCommandAsync(ExecutionCommand command, CancellationToken cancellationToken = default);

    /// <summary>The commands waiting for executions <paramref name="owner"/> holds, oldest first.</summary>
    ValueTask<IReadOnlyList<ExecutionCommand>> ReadCommandsAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>Deletes commands that were carried out.</summary>
    ValueTask DeleteCommandsAsync(IReadOnlyList<long> commandIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// From now on, every append and command wakes the waiters of <see cref="WhenAppended"/> and
    /// <see cref="WhenCommanded"/> in every replica that enabled them (the store notifies; each replica listens).
    /// </summary>
    void EnableChangeNotifications();

    /// <summary>
    /// A task that completes at the next append committed by any replica (take it before reading, then read,
    /// then wait for it). Wake-ups can be lost while the store reconnects: wait with a timeout and re-read.
    /// Never completes before <see cref="EnableChangeNotifications"/>.
    /// </summary>
    Task WhenAppended();

    /// <summary>A task that completes at the next command added by any replica; as <see cref="WhenAppended"/>.</summary>
    Task WhenCommanded();
}

/// <summary>What a command asks of an execution's owner.</summary>
public enum ExecutionCommandKind
{
    /// <summary>Cancel the execution, with <see cref="ExecutionCommand.Text"/> as the reason.</summary>
    Cancel = 1,

    /// <summary>Deliver the signal named <see cref="ExecutionCommand.Text"/> with <see cref="ExecutionCommand.Payload"/>.</summary>
    Signal = 2,
}

/// <summary>A command for an execution's owner, left by a replica that does not own it.</summary>
/// <param name="Id">The store's id of the command (0 before it is stored).</param>
/// <param name="ExecutionId">The execution.</param>
/// <param name="Kind">What to do.</param>
/// <param name="Text">The cancel reason or the signal name.</param>
/// <param name="Payload">The serialized <c>google.protobuf.Struct</c> of a signal; empty otherwise.</param>
public sealed record ExecutionCommand(long Id, string ExecutionId, ExecutionCommandKind Kind, string Text, byte[] Payload);
