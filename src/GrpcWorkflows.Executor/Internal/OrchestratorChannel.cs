using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>The channel to the orchestrator (registration and sessions), with <see cref="ExecutorOptions.OrchestratorTls"/> applied.</summary>
internal static class OrchestratorChannel
{
    /// <summary>Opens a channel to <see cref="ExecutorOptions.OrchestratorAddress"/> over <paramref name="handler"/>, presenting the configured client certificate and trusting the configured CAs.</summary>
    public static GrpcChannel Create(ExecutorOptions options, SocketsHttpHandler handler, int? maxReceiveMessageSize = 4 * 1024 * 1024)
    {
        var tls = options.OrchestratorTls;
        if (!string.IsNullOrWhiteSpace(tls.CertificatePath) || !string.IsNullOrWhiteSpace(tls.CaPath))
        {
            var ssl = new SslClientAuthenticationOptions();
            if (!string.IsNullOrWhiteSpace(tls.CertificatePath))
            {
                ssl.ClientCertificates = [LoadCertificate(tls)];
            }

            if (!string.IsNullOrWhiteSpace(tls.CaPath))
            {
                var authorities = new X509Certificate2Collection();
                authorities.ImportFromPemFile(tls.CaPath);
                ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    certificate is X509Certificate2 presented
                    && (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0
                    && CallerCertificatePolicy.ChainsTo(presented, authorities);
            }

            handler.SslOptions = ssl;
        }

        return GrpcChannel.ForAddress(options.OrchestratorAddress!, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = maxReceiveMessageSize });
    }

    /// <summary>Loads the client certificate with its key (PEM round-tripped through PKCS#12: SslStream on Linux presents only such keys).</summary>
    public static X509Certificate2 LoadCertificate(OrchestratorTlsOptions tls)
    {
        var path = tls.CertificatePath!;
        if (!string.IsNullOrWhiteSpace(tls.KeyPath) || path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase))
        {
            var keyPath = string.IsNullOrWhiteSpace(tls.KeyPath) ? null : tls.KeyPath;
            using var pem = string.IsNullOrEmpty(tls.Password)
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, tls.Password, keyPath);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, tls.Password);
    }
}
