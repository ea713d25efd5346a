using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>
/// Which client certificates may call this executor (<see cref="ExecutorOptions.CallerCertificates"/>): those that
/// chain to the configured CAs and, when a list is given, whose thumbprint is listed.
/// </summary>
/// <remarks>Thread-safe once built; the CA file is read once.</remarks>
internal sealed class CallerCertificatePolicy
{
    private readonly X509Certificate2Collection? _authorities;
    private readonly HashSet<string> _thumbprints;

    private CallerCertificatePolicy(X509Certificate2Collection? authorities, HashSet<string> thumbprints)
    {
        _authorities = authorities;
        _thumbprints = thumbprints;
    }

    /// <summary>
    /// Makes Kestrel's https endpoints require a client certificate that passes <paramref name="options"/>'
    /// <see cref="ExecutorOptions.CallerCertificates"/>, when some are configured: a connection without one, or with one
    /// that does not pass, fails at the handshake.
    /// </summary>
    public static void Apply(KestrelServerOptions kestrel, ExecutorOptions options)
    {
        if (!options.CallerCertificates.Required)
        {
            return;
        }

        var policy = From(options.CallerCertificates);
        kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (certificate, _, _) => policy.Accepts(certificate);
        });
    }

    /// <summary>Reads the policy of <paramref name="options"/>.</summary>
    /// <exception cref="CryptographicException">The CA file holds no certificate.</exception>
    public static CallerCertificatePolicy From(CallerCertificateOptions options)
    {
        X509Certificate2Collection? authorities = null;
        if (!string.IsNullOrWhiteSpace(options.CaPath))
        {
            authorities = [];
            authorities.ImportFromPemFile(options.CaPath);
            if (authorities.Count == 0)
            {
                throw new CryptographicException($"'{options.CaPath}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
            }
        }

        return new CallerCertificatePolicy(authorities, [.. options.Thumbprints.Select(Normalize)]);
    }

    /// <summary>A thumbprint in upper-case hex without separators (<c>AB:CD ...</c> → <c>ABCD...</c>).</summary>
    public static string Normalize(string thumbprint) => string.Concat(thumbprint.Where(char.IsAsciiHexDigit)).ToUpperInvariant();

    /// <summary>Whether <paramref name="certificate"/> may call: it chains to the CAs (when configured) and is listed (when a list is configured).</summary>
    public bool Accepts(X509Certificate2 certificate)
    {
        if (_thumbprints.Count > 0
            && !_thumbprints.Contains(certificate.GetCertHashString(HashAlgorithmName.SHA256))
            && !_thumbprints.Contains(certificate.GetCertHashString(HashAlgorithmName.SHA1)))
        {
            return false;
        }

        return _authorities is null || ChainsTo(certificate, _authorities);
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
}
