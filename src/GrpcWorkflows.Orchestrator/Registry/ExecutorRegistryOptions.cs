namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>
/// Settings of the executor registry, bound from the configuration section <c>Executors</c>.
/// </summary>
public sealed class ExecutorRegistryOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Executors";

    /// <summary>The default <see cref="LeaseDuration"/>: 15 seconds.</summary>
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(15);

    /// <summary>The default <see cref="HeartbeatInterval"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="SweepInterval"/>: 1 second.</summary>
    public static readonly TimeSpan DefaultSweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>The default <see cref="DefaultMaxConcurrency"/>: 16 calls in flight per endpoint.</summary>
    public const int DefaultMaxConcurrencyValue = 16;

    /// <summary>How long a registered executor's lease lasts without a heartbeat.</summary>
    public TimeSpan LeaseDuration { get; set; } = DefaultLeaseDuration;

    /// <summary>How often registered executors are told to send a heartbeat; shorter than <see cref="LeaseDuration"/>.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = DefaultHeartbeatInterval;

    /// <summary>How often expired leases are looked for and removed.</summary>
    public TimeSpan SweepInterval { get; set; } = DefaultSweepInterval;

    /// <summary>The in-flight budget of an endpoint that registers with <c>max_concurrency</c> 0 or is listed without one.</summary>
    public int DefaultMaxConcurrency { get; set; } = DefaultMaxConcurrencyValue;

    /// <summary>Executors listed in configuration (<c>Executors:Static:0:Endpoint</c>, ...); they never expire.</summary>
    public List<StaticExecutorOptions> Static { get; set; } = [];
}
