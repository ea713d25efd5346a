using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Orchestrator.Tests.Hosting;

/// <summary>TLS and mutual TLS switched on by configuration, with certificates made for the test.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-tls-").FullName;

    [Fact]
    public async Task Tls_CertificateConfigured_ServesGrpcOverHttps()
    {
        using var server = CreateServerCertificate();
        var serverPath = Export(server, "server.pfx");
        await using var orchestrator = await TestOrchestrator.StartAsync(
            new Dictionary<string, string> { ["Orchestrator:Tls:CertificatePath"] = serverPath, ["Orchestrator:Tls:CertificatePassword"] = "pw" },
            urls: "https://127.0.0.1:0");

        using var channel = Channel(orchestrator.Address, server, clientCertificate: null);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();

        Assert.Equal("https", orchestrator.Address.Scheme);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task MutualTls_RequireCertificate_RefusesClientsWithoutOneAndServesThoseTheCaSigned()
    {
        using var server = CreateServerCertificate();
        using var authority = CreateAuthority();
        using var client = CreateClientCertificate(authority);
        var caPath = Path.Combine(_folder, "ca.pem");
        await File.WriteAllTextAsync(caPath, authority.ExportCertificatePem());
        await using var orchestrator = await TestOrchestrator.StartAsync(
            new Dictionary<string, string>
            {
                ["Orchestrator:Tls:CertificatePath"] = Export(server, "server.pfx"),
                ["Orchestrator:Tls:CertificatePassword"] = "pw",
                ["Orchestrator:Tls:ClientCertificateMode"] = "RequireCertificate",
                ["Orchestrator:Tls:ClientCaPath"] = caPath,
            },
            urls: "https://127.0.0.1:0");

        using var anonymous = Channel(orchestrator.Address, server, clientCertificate: null);
        using var trusted = Channel(orchestrator.Address, server, client);
        var refused = await Assert.ThrowsAsync<RpcException>(() => new Health.HealthClient(anonymous).CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout());
        var health = await new Health.HealthClient(trusted).CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();

        // The handshake fails: depending on when TLS 1.3 reports it, the call ends UNAVAILABLE or INTERNAL, never OK.
        Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Export(X509Certificate2 certificate, string name)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "pw"));
        return path;
    }

    private static GrpcChannel Channel(Uri address, X509Certificate2 server, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // Trust exactly the test's server certificate.
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == server.GetCertHashString(),
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            },
        };
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }

    private static X509Certificate2 CreateServerCertificate()
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

    private static X509Certificate2 CreateAuthority()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=GrpcWorkflows Test CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }

    private static X509Certificate2 CreateClientCertificate(X509Certificate2 authority)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=test-client", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var signed = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(50), [1, 2, 3, 4]);
        var withKey = signed.CopyWithPrivateKey(key);
        // SslStream on Linux wants a certificate whose key it can use: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }
}
