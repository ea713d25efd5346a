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

    /// <summary>How long in-flight attempts may run on shutdown before they are cancelled (and persisted for recovery).</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = DefaultShutdownGracePeriod;

    /// <summary>TLS and mutual TLS; off when <see cref="TlsOptions.CertificatePath"/> is empty.</summary>
    public TlsOptions Tls { get; set; } = new();
}
