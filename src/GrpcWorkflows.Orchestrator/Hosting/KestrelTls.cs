using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>Kestrel settings: HTTP/2 only (h2c) without TLS; TLS and mutual TLS from <see cref="TlsOptions"/>.</summary>
internal static class KestrelTls
{
    /// <summary>Applies <paramref name="tls"/> to <paramref name="kestrel"/>.</summary>
    public static void Configure(KestrelServerOptions kestrel, TlsOptions tls)
    {
        kestrel.AddServerHeader = false;
        if (!tls.Enabled)
        {
            // Plain-text gRPC needs HTTP/2 with prior knowledge (h2c): there is no ALPN to negotiate it.
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2);
            return;
        }

        kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
        kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = LoadCertificate(tls);
            https.ClientCertificateMode = tls.ClientCertificateMode;
            if (!string.IsNullOrWhiteSpace(tls.ClientCaPath))
            {
                var authorities = new X509Certificate2Collection();
                authorities.ImportFromPemFile(tls.ClientCaPath);
                https.ClientCertificateValidation = (certificate, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(certificate);
                };
            }
        });
    }

    private static X509Certificate2 LoadCertificate(TlsOptions tls)
    {
        var path = tls.CertificatePath!;
        if (!string.IsNullOrWhiteSpace(tls.KeyPath) || path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrEmpty(tls.CertificatePassword)
                ? X509Certificate2.CreateFromPemFile(path, tls.KeyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, tls.CertificatePassword, tls.KeyPath);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, tls.CertificatePassword);
    }
}
