using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>TLS settings of the orchestrator's listener (<c>Orchestrator:Tls</c>).</summary>
public sealed class TlsOptions
{
    /// <summary>The server certificate: a PFX/PKCS#12 file, or a PEM file with <see cref="KeyPath"/>. Empty: no TLS (h2c).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key file of <see cref="CertificatePath"/>, when the certificate is PEM.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of a PFX certificate or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Whether clients must present a certificate (mutual TLS): NoCertificate (default), AllowCertificate, RequireCertificate.</summary>
    public ClientCertificateMode ClientCertificateMode { get; set; } = ClientCertificateMode.NoCertificate;

    /// <summary>A PEM file of the CA certificates client certificates must chain to; empty: the system trust store.</summary>
    public string? ClientCaPath { get; set; }

    /// <summary>Whether TLS is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}
