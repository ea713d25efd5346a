namespace GrpcWorkflows.Executor;

/// <summary>
/// Mutual TLS, the alternative to caller tokens: the client certificates this executor accepts from whoever calls
/// <c>ExecuteStep</c> (the orchestrator's <c>Dispatch:ClientCertificate</c>), bound from <c>Executor:CallerCertificates</c>.
/// When <see cref="CaPath"/> or <see cref="Thumbprints"/> is set, the executor's https endpoints require a client
/// certificate at the TLS handshake and refuse a connection without one or with one that does not pass; a call
/// that arrives over plain <c>http://</c> (no certificate possible) is refused with <c>UNAUTHENTICATED</c>.
/// </summary>
/// <remarks>
/// The executor's own server certificate is configured as for any Kestrel server (<c>Kestrel:Endpoints:Https:Url</c>
/// and <c>Kestrel:Endpoints:Https:Certificate:Path</c>, or <c>Kestrel:Certificates:Default</c>).
/// </remarks>
public sealed class CallerCertificateOptions
{
    /// <summary>A PEM file of the certificate authorities a caller's certificate must chain to. Empty: any chain, if <see cref="Thumbprints"/> lists the certificate.</summary>
    public string? CaPath { get; set; }

    /// <summary>
    /// The SHA-256 (64 hex digits) or SHA-1 (40) thumbprints of the certificates accepted; colons and spaces are
    /// ignored. Empty: any certificate that chains to <see cref="CaPath"/>. With both set, a certificate must pass both.
    /// </summary>
    public List<string> Thumbprints { get; set; } = [];

    /// <summary>Whether callers must present a certificate.</summary>
    public bool Required => !string.IsNullOrWhiteSpace(CaPath) || Thumbprints.Count > 0;
}
