namespace GrpcWorkflows.Executor;

/// <summary>
/// TLS towards the orchestrator (an <c>https://</c> <see cref="ExecutorOptions.OrchestratorAddress"/>), bound from
/// <c>Executor:OrchestratorTls</c>: the client certificate this executor presents (mutual TLS; the orchestrator maps it
/// to an executor credential in <c>Auth:ClientCertificates</c>, instead of an API key) and the CAs it trusts for the
/// orchestrator's server certificate. Used for registration, heartbeats and sessions alike.
/// </summary>
public sealed class OrchestratorTlsOptions
{
    /// <summary>The client certificate: a PFX/PKCS#12 file with its key, or a PEM file (its key in it or in <see cref="KeyPath"/>). Empty: none presented.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificatePath"/>, when the key is in a file of its own.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of a PFX file or of an encrypted PEM key.</summary>
    public string? Password { get; set; }

    /// <summary>A PEM file of the CAs the orchestrator's server certificate must chain to. Empty: the system's trust store.</summary>
    public string? CaPath { get; set; }
}
