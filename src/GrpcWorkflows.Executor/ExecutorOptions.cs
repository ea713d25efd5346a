namespace GrpcWorkflows.Executor;

/// <summary>Options of an SDK executor, bound from the configuration section <c>Executor</c>.</summary>
public sealed class ExecutorOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Executor";

    /// <summary>The default of <see cref="MaxConcurrency"/>.</summary>
    public const int DefaultMaxConcurrency = 16;

    /// <summary>The default of <see cref="RegistrationRetryMaxDelay"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultRegistrationRetryMaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>The default of <see cref="RegistrationRetryInitialDelay"/>: 200 milliseconds.</summary>
    public static readonly TimeSpan DefaultRegistrationRetryInitialDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The default of <see cref="DeregisterTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultDeregisterTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The heartbeat interval used when the orchestrator names none: 10 seconds.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(10);

    /// <summary>The default of <see cref="DrainTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How the executor gets its attempts from the orchestrator at <see cref="OrchestratorAddress"/>.
    /// Default <see cref="ExecutorMode.Connect"/>: it connects out and needs no inbound connection.
    /// </summary>
    public ExecutorMode Mode { get; set; } = ExecutorMode.Connect;

    /// <summary>
    /// Connect mode: how long attempts in flight may run once shutdown begins (the orchestrator was told
    /// to send nothing new); those still running then are cancelled.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = DefaultDrainTimeout;

    /// <summary>The executor's name, reported by <c>DescribeExecutor</c> and at registration. Default: the entry assembly's name.</summary>
    public string? Name { get; set; }

    /// <summary>The executor's version. Default: the entry assembly's informational version.</summary>
    public string? Version { get; set; }

    /// <summary>
    /// The largest number of <c>ExecuteStep</c> calls served at once; calls beyond it get <c>RESOURCE_EXHAUSTED</c>.
    /// Also registered with the orchestrator, which never sends more. Default <see cref="DefaultMaxConcurrency"/>.
    /// </summary>
    public int MaxConcurrency { get; set; } = DefaultMaxConcurrency;

    /// <summary>
    /// The orchestrator's address (for example <c>http://127.0.0.1:5000</c>): connect mode opens its session
    /// there, push mode registers there. Null: neither; the executor only answers <c>ExecuteStep</c> calls
    /// (an orchestrator that lists it in its configuration).
    /// </summary>
    public string? OrchestratorAddress { get; set; }

    /// <summary>
    /// The API key sent (header <c>x-api-key</c>) with registration, heartbeats and deregistration when
    /// the orchestrator authenticates clients: a key of role <c>executor</c>. Null: none sent.
    /// Scoped executor credentials (per step type) come with executor sessions.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// TLS towards an <c>https://</c> orchestrator: the client certificate presented (mutual TLS; the orchestrator maps
    /// it to an executor credential, in place of <see cref="ApiKey"/>) and the CAs trusted for its server certificate.
    /// </summary>
    public OrchestratorTlsOptions OrchestratorTls { get; set; } = new();

    /// <summary>The address the orchestrator should call; null: the address Kestrel actually bound.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Free-form labels sent at registration and by <c>DescribeExecutor</c>.</summary>
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Overrides the heartbeat interval the orchestrator returns; null: use the orchestrator's.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>
    /// The first delay between registration attempts (push) or connection attempts (connect) while the orchestrator
    /// does not answer; it doubles up to <see cref="RegistrationRetryMaxDelay"/>. Connect mode waits a random
    /// 50–100% of it (jitter).
    /// </summary>
    public TimeSpan RegistrationRetryInitialDelay { get; set; } = DefaultRegistrationRetryInitialDelay;

    /// <summary>The largest delay between registration attempts.</summary>
    public TimeSpan RegistrationRetryMaxDelay { get; set; } = DefaultRegistrationRetryMaxDelay;

    /// <summary>How long deregistration may take on shutdown before it is abandoned (the lease then expires on its own).</summary>
    public TimeSpan DeregisterTimeout { get; set; } = DefaultDeregisterTimeout;

    /// <summary>The default of <see cref="CallerTokenClockSkew"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultCallerTokenClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether each call (an <c>ExecuteStep</c> call or a session attempt) must carry a valid caller token of the
    /// orchestrator: signed with the key received at registration, for this executor, bound to the attempt, not
    /// expired. Calls without one are refused with <c>UNAUTHENTICATED</c>, calls meant for another executor or
    /// attempt with <c>PERMISSION_DENIED</c>. Default true. Applies once the executor registered or connected
    /// (<see cref="OrchestratorAddress"/> set); an executor listed in the orchestrator's configuration (a static
    /// endpoint) receives no key and cannot check: it serves unchecked calls and says so at start. Set false to
    /// turn the check off (for example when mTLS or the network already restricts the callers).
    /// </summary>
    public bool VerifyCallerTokens { get; set; } = true;

    /// <summary>How far the orchestrator's clock may be from this one when checking a caller token's times. Default <see cref="DefaultCallerTokenClockSkew"/>.</summary>
    public TimeSpan CallerTokenClockSkew { get; set; } = DefaultCallerTokenClockSkew;

    /// <summary>
    /// Mutual TLS, the alternative (or the addition) to caller tokens: the client certificates accepted from callers
    /// of <c>ExecuteStep</c>. Off unless <see cref="CallerCertificateOptions.CaPath"/> or
    /// <see cref="CallerCertificateOptions.Thumbprints"/> is set; then a connection without a certificate that passes is refused.
    /// </summary>
    public CallerCertificateOptions CallerCertificates { get; set; } = new();
}
