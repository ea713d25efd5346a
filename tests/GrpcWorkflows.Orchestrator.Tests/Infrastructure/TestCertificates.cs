using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace GrpcWorkflows.Orchestrator.Tests.Infrastructure;

/// <summary>Certificates made for a test (a server certificate for 127.0.0.1, CAs and the client certificates they sign), and files of them.</summary>
internal sealed class TestCertificates : IDisposable
{
    public const string Password = "pw";

    public string Folder { get; } = Directory.CreateTempSubdirectory("grpcworkflows-tls-").FullName;

    /// <summary>Writes <paramref name="certificate"/> with its key as a PFX protected by <see cref="Password"/>; returns the path.</summary>
    public string Pfx(X509Certificate2 certificate, string name)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return path;
    }

    /// <summary>Writes <paramref name="certificate"/> (no key) as PEM; returns the path.</summary>
    public string Pem(X509Certificate2 certificate, string name)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    /// <summary>A self-signed server certificate for 127.0.0.1 and localhost.</summary>
    public static X509Certificate2 Server()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }

    /// <summary>A certificate authority.</summary>
    public static X509Certificate2 Authority(string name = "GrpcWorkflows Test CA")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }

    /// <summary>A client certificate signed by <paramref name="authority"/>.</summary>
    public static X509Certificate2 Client(X509Certificate2 authority, string name = "test-client")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var signed = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(50), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        // SslStream on Linux wants a certificate whose key it can use: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    /// <summary>A channel over TLS that trusts exactly <paramref name="server"/> and presents <paramref name="clientCertificate"/> (or none).</summary>
    public static GrpcChannel Channel(Uri address, X509Certificate2 server, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == server.GetCertHashString(),
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            },
        };
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }
}
