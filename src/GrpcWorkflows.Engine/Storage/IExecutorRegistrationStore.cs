namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// Push executors' registrations shared by replicas: an executor registered at one replica is called by
/// every replica's executions, its heartbeats renew it whichever replica they reach, and it survives the
/// restart of the replica that took the registration.
/// </summary>
/// <remarks>
/// One call a replica tick exchanges everything: what the replica holds goes in, what every replica holds
/// comes back. A removed registration (deregistered, replaced) is remembered as removed until its lease
/// would have expired, so that a replica that still holds it cannot bring it back.
/// </remarks>
public interface IExecutorRegistrationStore
{
    /// <summary>
    /// Records the registrations a replica holds (new ones added; known ones keep the later of the two lease
    /// expiries), marks <paramref name="removed"/> as removed, and returns every registration whose lease
    /// runs past <paramref name="now"/> and that nobody removed.
    /// </summary>
    ValueTask<IReadOnlyList<StoredExecutorRegistration>> SyncRegistrationsAsync(
        IReadOnlyCollection<StoredExecutorRegistration> held, IReadOnlyCollection<string> removed, DateTimeOffset now, CancellationToken cancellationToken = default);
}
