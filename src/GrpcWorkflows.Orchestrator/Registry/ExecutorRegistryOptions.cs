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

    /// <summary>The default <see cref="MaxRegistrations"/>: 1,000 registered executors.</summary>
    public const int DefaultMaxRegistrations = 1000;

    /// <summary>The default <see cref="MaxRegistrationsPerCredential"/>: 100 registered executors per credential.</summary>
    public const int DefaultMaxRegistrationsPerCredential = 100;

    /// <summary>The default <see cref="MaxLabels"/>: 32 labels per registration.</summary>
    public const int DefaultMaxLabels = 32;

    /// <summary>The default <see cref="MaxLabelLength"/>: 256 characters.</summary>
    public const int DefaultMaxLabelLength = 256;

    /// <summary>The default <see cref="MaxStepTypes"/>: 256 step types per registration.</summary>
    public const int DefaultMaxStepTypes = 256;

    /// <summary>
    /// Whether executors may register loopback addresses (<c>127.0.0.0/8</c>, <c>::1</c>, <c>localhost</c>).
    /// Default true: local development and tests run executors beside the orchestrator. Set false when every
    /// executor runs on another host.
    /// </summary>
    public bool AllowLoopback { get; set; } = true;

    /// <summary>
    /// CIDR blocks (<c>10.0.0.0/8</c>, <c>fd00::/8</c>) that registered endpoints must fall in; empty (the
    /// default) allows any address that is not refused otherwise. Loopback follows <see cref="AllowLoopback"/>.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>CIDR blocks registered endpoints may never fall in, checked after the built-in refusals.</summary>
    public List<string> DeniedNetworks { get; set; } = [];

    /// <summary>The most registered (not static) executors at once; a registration beyond it gets <c>RESOURCE_EXHAUSTED</c>.</summary>
    public int MaxRegistrations { get; set; } = DefaultMaxRegistrations;

    /// <summary>The most registered executors one credential may hold at once (when authentication is on); beyond it <c>RESOURCE_EXHAUSTED</c>.</summary>
    public int MaxRegistrationsPerCredential { get; set; } = DefaultMaxRegistrationsPerCredential;

    /// <summary>The most labels one registration may carry.</summary>
    public int MaxLabels { get; set; } = DefaultMaxLabels;

    /// <summary>The longest label key or value, and the longest name and version, in characters.</summary>
    public int MaxLabelLength { get; set; } = DefaultMaxLabelLength;

    /// <summary>The most step types one registration may list; each is at most <see cref="MaxLabelLength"/> characters.</summary>
    public int MaxStepTypes { get; set; } = DefaultMaxStepTypes;

    /// <summary>Executors listed in configuration (<c>Executors:Static:0:Endpoint</c>, ...); they never expire.</summary>
    public List<StaticExecutorOptions> Static { get; set; } = [];
}
