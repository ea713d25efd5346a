namespace GrpcWorkflows.Engine;

/// <summary>
/// Settings of an engine that is one of several replicas on a shared store (PostgreSQL), bound from
/// <c>Replicas</c>. Each execution is owned by one replica through a lease with an epoch.
/// </summary>
public sealed class ReplicaOptions
{
    /// <summary>The configuration section: <c>Replicas</c>.</summary>
    public const string SectionName = "Replicas";

    /// <summary>The default of <see cref="LeaseDuration"/>: 15 seconds.</summary>
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(15);

    /// <summary>The default of <see cref="RenewInterval"/>: 3 seconds.</summary>
    public static readonly TimeSpan DefaultRenewInterval = TimeSpan.FromSeconds(3);

    /// <summary>The default of <see cref="ClaimBatch"/>: 50 executions per tick.</summary>
    public const int DefaultClaimBatch = 50;

    /// <summary>
    /// Whether the engine runs as a replica when the store supports it (PostgreSQL): leases, claims, fenced
    /// appends. Default true; SQLite and memory stores never do.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The replica's name in the leases; unique per process. Default: the host name, the process id and a
    /// random suffix (a restarted process is a new owner).
    /// </summary>
    public string? Id { get; set; }

    /// <summary>
    /// How long a lease lasts unless renewed: how long the executions of a replica that died (SIGKILL, lost
    /// machine) wait before others take them over. Default 15 seconds.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = DefaultLeaseDuration;

    /// <summary>
    /// How often a replica renews every lease it holds (one statement), takes over expired or released
    /// executions and checks that it still owns what it runs. At most a third of <see cref="LeaseDuration"/>.
    /// Default 3 seconds.
    /// </summary>
    public TimeSpan RenewInterval { get; set; } = DefaultRenewInterval;

    /// <summary>The most executions one replica takes over per tick, so that live replicas share a dead one's work. Default 50.</summary>
    public int ClaimBatch { get; set; } = DefaultClaimBatch;

    /// <summary>The effective <see cref="Id"/>, with <paramref name="time"/> for the default's unique suffix.</summary>
    public string EffectiveId(TimeProvider time) => string.IsNullOrWhiteSpace(Id)
        ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.CreateVersion7(time.GetUtcNow()).ToString("N")[^8..]}"
        : Id;
}
