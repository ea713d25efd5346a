using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GrpcWorkflows.Orchestrator.Security.Internal;

/// <summary>Certificates from files (PFX/PKCS#12, or PEM with its key) and checks against configured certificate authorities.</summary>
internal static class CertificateFiles
{
    /// <summary>
    /// Loads a certificate with its private key: a PEM file (<c>.pem</c>, <c>.crt</c>, or any file when
    /// <paramref name="keyPath"/> is given) with its PEM key, else a PFX/PKCS#12 file.
    /// </summary>
    /// <exception cref="CryptographicException">The file is not a certificate, or the password is wrong.</exception>
    public static X509Certificate2 Load(string path, string? keyPath, string? password)
    {
        if (!string.IsNullOrWhiteSpace(keyPath) || path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase))
        {
            var pem = string.IsNullOrEmpty(password)
                ? X509Certificate2.CreateFromPemFile(path, string.IsNullOrWhiteSpace(keyPath) ? null : keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, password, string.IsNullOrWhiteSpace(keyPath) ? null : keyPath);

            // SslStream on Linux presents a client certificate only when its key is usable as a PKCS#12 one.
            using (pem)
            {
                return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, password);
    }

    /// <summary>The certificates of a PEM file of certificate authorities.</summary>
    /// <exception cref="CryptographicException">The file holds no certificate.</exception>
    public static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        if (authorities.Count == 0)
        {
            throw new CryptographicException($"'{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
        }

        return authorities;
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (and only those), ignoring revocation.</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>
    /// A server certificate check that trusts <paramref name="authorities"/> instead of the system's store: the
    /// certificate must be there, name the host dialled, and chain to one of them.
    /// </summary>
    public static RemoteCertificateValidationCallback TrustOnly(X509Certificate2Collection authorities)
        => (_, certificate, _, errors) =>
            certificate is not null
            && (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0
            && ChainsTo(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), authorities);
}
