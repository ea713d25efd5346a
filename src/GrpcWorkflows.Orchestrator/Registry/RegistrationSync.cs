using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Orchestrator.Internal;

namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>
/// With replicas on a store that shares registrations (<see cref="IExecutorRegistrationStore"/>): every
/// replica tick, sends the push registrations this replica holds and the ones it removed since the last
/// tick, and takes in what every replica holds (<see cref="ExecutorRegistry.Reconcile"/>). An executor
/// registered at one replica is then called by every replica's executions, heartbeats at any replica renew
/// it, and it outlives the replica that took its registration.
/// </summary>
/// <remarks>
/// The first exchange runs before the orchestrator serves requests, so a restarted replica knows the
/// registrations at once (an executor's next heartbeat there is not refused).
/// </remarks>
internal sealed class RegistrationSync(
    ExecutorRegistry registry, IExecutorRegistrationStore? store, ReplicaOptions replicaOptions, TimeProvider timeProvider, ILogger<RegistrationSync> logger) : BackgroundService
{
    private static readonly TimeSpan FirstSyncTimeout = TimeSpan.FromSeconds(10);
    private Dictionary<string, DateTimeOffset> _sent = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is not null)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(FirstSyncTimeout);
            try
            {
                await SyncAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // The database is slow to answer: the loop retries at its first tick.
                Log.RegistrationSyncFailed(logger, e);
            }
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(replicaOptions.RenewInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await SyncAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task SyncAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var held = registry.Registrations();
        var heldIds = held.Select(r => r.ExecutorId).ToHashSet(StringComparer.Ordinal);

        // Sent last time, gone since and not expired: deregistered or replaced here; the others must drop it too.
        var removed = _sent.Where(sent => !heldIds.Contains(sent.Key) && sent.Value > now).Select(sent => sent.Key).ToList();
        try
        {
            var live = await store!.SyncRegistrationsAsync(held, removed, now, cancellationToken).ConfigureAwait(false);
            _sent = held.ToDictionary(r => r.ExecutorId, r => r.LeaseExpires, StringComparer.Ordinal);
            registry.Reconcile(live, heldIds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever went wrong (the store away, a row it cannot read), the loop must live on: a background service
            // that throws stops the orchestrator.
            Log.RegistrationSyncFailed(logger, e);
        }
    }
}
