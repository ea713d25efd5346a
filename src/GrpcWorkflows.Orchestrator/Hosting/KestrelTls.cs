using GrpcWorkflows.Orchestrator.Security.Internal;
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
            https.ServerCertificate = CertificateFiles.Load(tls.CertificatePath!, tls.KeyPath, tls.CertificatePassword);
            https.ClientCertificateMode = tls.ClientCertificateMode;
            if (!string.IsNullOrWhiteSpace(tls.ClientCaPath))
            {
                var authorities = CertificateFiles.LoadAuthorities(tls.ClientCaPath);
                https.ClientCertificateValidation = (certificate, _, _) => CertificateFiles.ChainsTo(certificate, authorities);
            }
        });
    }
}
