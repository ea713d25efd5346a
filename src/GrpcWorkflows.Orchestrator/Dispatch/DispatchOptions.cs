namespace GrpcWorkflows.Orchestrator.Dispatch;

/// <summary>
/// Settings of the executor dispatcher and its channel pool, bound from the configuration
/// section <c>Dispatch</c>.
/// </summary>
public sealed class DispatchOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Dispatch";

    /// <summary>The default <see cref="MaxChannels"/>: 256.</summary>
    public const int DefaultMaxChannels = 256;

    /// <summary>The default <see cref="MaxFailovers"/>: 3.</summary>
    public const int DefaultMaxFailovers = 3;

    /// <summary>The default <see cref="MaxLostDeliveries"/>: 3.</summary>
    public const int DefaultMaxLostDeliveries = 3;

    /// <summary>The default <see cref="CircuitFailureRatio"/>: 0.5.</summary>
    public const double DefaultCircuitFailureRatio = 0.5;

    /// <summary>The default <see cref="CircuitMinimumThroughput"/>: 10 calls.</summary>
    public const int DefaultCircuitMinimumThroughput = 10;

    /// <summary>The default <see cref="MaxMessageBytes"/>: 16 MiB (a step's input plus its dependencies' outputs).</summary>
    public const int DefaultMaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>The default <see cref="ChannelIdleTimeout"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultChannelIdleTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The default <see cref="ConnectTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="KeepAlivePingDelay"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultKeepAlivePingDelay = TimeSpan.FromSeconds(30);

    /// <summary>The default <see cref="KeepAlivePingTimeout"/>: 20 seconds.</summary>
    public static readonly TimeSpan DefaultKeepAlivePingTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The default <see cref="CircuitSamplingDuration"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultCircuitSamplingDuration = TimeSpan.FromSeconds(30);

    /// <summary>The default <see cref="CircuitBreakDuration"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultCircuitBreakDuration = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="ReconnectBackoff"/>: 100 milliseconds.</summary>
    public static readonly TimeSpan DefaultReconnectBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>The default <see cref="MaxReconnectBackoff"/>: 1 second.</summary>
    public static readonly TimeSpan DefaultMaxReconnectBackoff = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a call never reached an executor, the first delay before the dispatcher tries to connect
    /// to it again; each failed try doubles it, up to <see cref="MaxReconnectBackoff"/>. A registration
    /// of the address tries at once. Steps of its type wait meanwhile, without using attempts.
    /// </summary>
    public TimeSpan ReconnectBackoff { get; set; } = DefaultReconnectBackoff;

    /// <summary>The longest delay between two tries to reconnect to an unreachable executor (so the longest an executor that is back waits to be used).</summary>
    public TimeSpan MaxReconnectBackoff { get; set; } = DefaultMaxReconnectBackoff;

    /// <summary>The largest number of pooled channels (one per endpoint); past it the least recently used idle one is closed.</summary>
    public int MaxChannels { get; set; } = DefaultMaxChannels;

    /// <summary>A channel unused for this long, with no call in flight, is closed.</summary>
    public TimeSpan ChannelIdleTimeout { get; set; } = DefaultChannelIdleTimeout;

    /// <summary>How long opening a connection to an executor may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = DefaultConnectTimeout;

    /// <summary>How long a connection may stay silent before an HTTP/2 keep-alive ping is sent.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = DefaultKeepAlivePingDelay;

    /// <summary>How long a keep-alive ping may go unanswered before the connection is closed.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = DefaultKeepAlivePingTimeout;

    /// <summary>The largest message sent to or received from an executor.</summary>
    public int MaxMessageBytes { get; set; } = DefaultMaxMessageBytes;

    /// <summary>How many other replicas an attempt may fail over to when the transport fails before reaching an executor.</summary>
    public int MaxFailovers { get; set; } = DefaultMaxFailovers;

    /// <summary>
    /// How many times one attempt may be lost with an executor session (sent, and the session ended
    /// before it answered: the executor died, the connection broke), or with its <c>ExecuteStep</c>
    /// connection (made, then broken before an answer), and be sent again without counting
    /// as a failed attempt. One more loss fails the attempt with <c>UNAVAILABLE</c> (the step's retry
    /// policy decides what follows), so a step that kills every executor it reaches still ends.
    /// </summary>
    public int MaxLostDeliveries { get; set; } = DefaultMaxLostDeliveries;

    /// <summary>The share of failed calls, within <see cref="CircuitSamplingDuration"/>, that opens an endpoint's circuit.</summary>
    public double CircuitFailureRatio { get; set; } = DefaultCircuitFailureRatio;

    /// <summary>The fewest calls within <see cref="CircuitSamplingDuration"/> before the circuit may open.</summary>
    public int CircuitMinimumThroughput { get; set; } = DefaultCircuitMinimumThroughput;

    /// <summary>The window over which the failure ratio is measured.</summary>
    public TimeSpan CircuitSamplingDuration { get; set; } = DefaultCircuitSamplingDuration;

    /// <summary>How long an open circuit refuses calls before it lets a trial call through.</summary>
    public TimeSpan CircuitBreakDuration { get; set; } = DefaultCircuitBreakDuration;

    /// <summary>
    /// The client certificate presented to executors called over <c>https://</c> (mutual TLS: executors that require
    /// one know the call comes from the orchestrator). Not presented to executors called over <c>http://</c>.
    /// </summary>
    public ClientCertificateOptions ClientCertificate { get; set; } = new();

    /// <summary>
    /// A PEM file of the certificate authorities executors' server certificates must chain to (an internal CA, or
    /// the executors' self-signed certificates themselves). Empty: the system's trust store.
    /// </summary>
    public string? ExecutorCaPath { get; set; }
}
