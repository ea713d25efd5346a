namespace GrpcWorkflows.Orchestrator.Dispatch;

/// <summary>
/// The client certificate the orchestrator presents to executors it calls over <c>https://</c> (mutual TLS),
/// bound from <c>Dispatch:ClientCertificate</c>. Executors that require one (the C# SDK's
/// <c>Executor:CallerCertificates</c>) refuse every connection without it.
/// </summary>
public sealed class ClientCertificateOptions
{
    /// <summary>The certificate: a PFX/PKCS#12 file with its key, or a PEM file (its key in it or in <see cref="KeyPath"/>). Empty: none presented.</summary>
    public string? Path { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="Path"/>, when the key is in a file of its own.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of a PFX file or of an encrypted PEM key.</summary>
    public string? Password { get; set; }

    /// <summary>Whether a certificate is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Path);
}
