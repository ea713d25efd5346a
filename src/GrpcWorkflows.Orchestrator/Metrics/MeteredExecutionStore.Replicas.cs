using System.Diagnostics;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Metrics;

/// <summary>
/// Replicas: the owned creates and fenced appends are measured like the plain ones; everything else of
/// <see cref="IExecutionReplicaStore"/> passes through. Only valid over a store that is one.
/// </summary>
internal sealed partial class MeteredExecutionStore : IExecutionReplicaStore
{
    private IExecutionReplicaStore Replicas => _inner as IExecutionReplicaStore
        ?? throw new InvalidOperationException($"The store {_inner.GetType().Name} does not serve replicas.");

    /// <summary>Whether the wrapped store serves replicas (PostgreSQL).</summary>
    public bool ServesReplicas => _inner is IExecutionReplicaStore;

    /// <inheritdoc />
    public async ValueTask<(CreateExecutionResult Created, ExecutionLease? Lease)> CreateOwnedAsync(ExecutionEvent firstEvent, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await Replicas.CreateOwnedAsync(firstEvent, owner, duration, cancellationToken).ConfigureAwait(false);
        Persisted(started, 1, "create");
        if (!result.Created.Existing)
        {
            _executionsStarted.Add(1);
            Observe(result.Created.ExecutionId, firstEvent);
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask AppendAsync(ExecutionLease lease, IReadOnlyList<ExecutionEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var started = Stopwatch.GetTimestamp();
        await Replicas.AppendAsync(lease, events, cancellationToken).ConfigureAwait(false);
        Persisted(started, events.Count, "append");
        foreach (var e in events)
        {
            Observe(lease.ExecutionId, e);
        }
    }

    /// <inheritdoc />
    public ValueTask<ExecutionLease?> TryAcquireAsync(string executionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
        => Replicas.TryAcquireAsync(executionId, owner, duration, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ExecutionLease?> RenewAsync(ExecutionLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
        => Replicas.RenewAsync(lease, duration, cancellationToken);

    /// <inheritdoc />
    public ValueTask ReleaseAsync(ExecutionLease lease, CancellationToken cancellationToken = default)
        => Replicas.ReleaseAsync(lease, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ExecutionLease>> ClaimAsync(string owner, TimeSpan duration, int max, IReadOnlyCollection<string> servedStepTypes, CancellationToken cancellationToken = default)
        => Replicas.ClaimAsync(owner, duration, max, servedStepTypes, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> HandOverAsync(ExecutionLease lease, string stepType, TimeSpan exclusivity, CancellationToken cancellationToken = default)
        => Replicas.HandOverAsync(lease, stepType, exclusivity, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ReplicaHeartbeat> HeartbeatAsync(string owner, IReadOnlyCollection<string> servedStepTypes, TimeSpan liveWithin, CancellationToken cancellationToken = default)
        => Replicas.HeartbeatAsync(owner, servedStepTypes, liveWithin, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ExecutionLease>> RenewAllAsync(string owner, TimeSpan duration, CancellationToken cancellationToken = default)
        => Replicas.RenewAllAsync(owner, duration, cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> ReleaseAllAsync(string owner, CancellationToken cancellationToken = default)
        => Replicas.ReleaseAllAsync(owner, cancellationToken);

    /// <inheritdoc />
    public ValueTask AddCommandAsync(ExecutionCommand command, CancellationToken cancellationToken = default)
        => Replicas.AddCommandAsync(command, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ExecutionCommand>> ReadCommandsAsync(string owner, CancellationToken cancellationToken = default)
        => Replicas.ReadCommandsAsync(owner, cancellationToken);

    /// <inheritdoc />
    public ValueTask DeleteCommandsAsync(IReadOnlyList<long> commandIds, CancellationToken cancellationToken = default)
        => Replicas.DeleteCommandsAsync(commandIds, cancellationToken);

    /// <inheritdoc />
    public void EnableChangeNotifications() => Replicas.EnableChangeNotifications();

    /// <inheritdoc />
    public Task WhenAppended() => Replicas.WhenAppended();

    /// <inheritdoc />
    public Task WhenCommanded() => Replicas.WhenCommanded();
}
