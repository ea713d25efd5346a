namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>Settings of the orchestrator host, bound from the configuration section <c>Orchestrator</c>.</summary>
public sealed class OrchestratorOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Orchestrator";

    /// <summary>The address listened on when neither <c>--urls</c> nor TLS is configured.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5100";

    /// <summary>The address listened on when TLS is configured and <c>--urls</c> is not.</summary>
    public const string DefaultTlsUrl = "https://127.0.0.1:5443";

    /// <summary>The default <see cref="ShutdownGracePeriod"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultShutdownGracePeriod = TimeSpan.FromSeconds(30);

    /// <summary>The default <see cref="WatchStallTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultWatchStallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a <c>WatchExecution</c> or <c>RunWorkflow</c> client may read nothing while an event waits to be sent
    /// (its HTTP/2 window is full); then its stream is reset (the client reads <c>RESOURCE_EXHAUSTED</c>), and it may watch again
    /// from the last sequence it received. What waits meanwhile is bounded (<c>Engine:WatcherBufferSize</c>).
    /// </summary>
    public TimeSpan WatchStallTimeout { get; set; } = DefaultWatchStallTimeout;

    /// <summary>How long in-flight attempts may run on shutdown before they are cancelled (and persisted for recovery).</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = DefaultShutdownGracePeriod;

    /// <summary>
    /// A second listening address without TLS (for example <c>http://127.0.0.1:5180</c>) that speaks HTTP/1.1
    /// for browsers, <c>curl</c> and Prometheus: the dashboard at <c>/ui</c>, the JSON API under
    /// <c>/v1</c>, <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>. Empty: none (the h2c address answers
    /// only HTTP/2 clients). Not used with TLS, where the one address serves every protocol.
    /// </summary>
    public string? HttpAddress { get; set; }

    /// <summary>TLS and mutual TLS; off when <see cref="TlsOptions.CertificatePath"/> is empty.</summary>
    public TlsOptions Tls { get; set; } = new();
}
