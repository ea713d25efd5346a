using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// Ownership of executions by one of several orchestrator replicas: a lease per execution, with an
/// <b>epoch</b> (a fencing token) that grows by one each time the execution changes hands. Appends made
/// through a lease are written only while the execution's epoch is still the lease's, so a replica that
/// was paused past its lease and wakes up after another took over cannot record anything more.
/// </summary>
/// <remarks>
/// Lease times are the store's clock (the database server's), never a replica's, so replicas with skewed
/// clocks agree on expiry. Appends made without a lease (<see cref="IExecutionStore.AppendAsync"/>) are not
/// fenced: a single orchestrator may use them; replicas must not.
/// </remarks>
public interface IExecutionLeaseStore
{
    /// <summary>
    /// Takes the lease of an execution that nobody holds, whose lease has expired, or that is finished (to
    /// retry it), with the next epoch.
    /// Returns null when another owner holds an unexpired lease, or the execution does not exist.
    /// </summary>
    /// <param name="executionId">The execution.</param>
    /// <param name="owner">Who takes it (a replica's id).</param>
    /// <param name="duration">How long the lease lasts unless renewed.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    ValueTask<ExecutionLease?> TryAcquireAsync(string executionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends a lease from now by <paramref name="duration"/>, keeping its epoch. Returns the renewed lease,
    /// or null when the execution has changed hands since (the lease is lost: stop working on it).
    /// </summary>
    ValueTask<ExecutionLease?> RenewAsync(ExecutionLease lease, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up (on drain) so that another owner can take it at once; nothing happens when it was already lost.</summary>
    ValueTask ReleaseAsync(ExecutionLease lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="IExecutionStore.AppendAsync"/>, written only while the execution's epoch is the lease's.
    /// </summary>
    /// <exception cref="ExecutionLeaseLostException">The execution changed hands: nothing was written.</exception>
    /// <exception cref="SequenceConflictException">The epoch holds but the sequences do not continue the log.</exception>
    ValueTask AppendAsync(ExecutionLease lease, IReadOnlyList<ExecutionEvent> events, CancellationToken cancellationToken = default);
}

/// <summary>A held lease of one execution.</summary>
/// <param name="ExecutionId">The execution.</param>
/// <param name="Owner">Who holds it.</param>
/// <param name="Epoch">The fencing token: the execution's epoch when the lease was taken.</param>
/// <param name="ExpiresAt">When it expires unless renewed (the store's clock).</param>
public sealed record ExecutionLease(string ExecutionId, string Owner, long Epoch, DateTimeOffset ExpiresAt);
