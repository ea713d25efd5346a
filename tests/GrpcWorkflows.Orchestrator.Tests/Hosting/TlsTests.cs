using Grpc.Core;
using Grpc.Health.V1;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Orchestrator.Tests.Hosting;

/// <summary>TLS and mutual TLS switched on by configuration, with certificates made for the test.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TestCertificates _files = new();

    [Fact]
    public async Task Tls_CertificateConfigured_ServesGrpcOverHttps()
    {
        using var server = TestCertificates.Server();
        await using var orchestrator = await TestOrchestrator.StartAsync(
            new Dictionary<string, string> { ["Orchestrator:Tls:CertificatePath"] = _files.Pfx(server, "server.pfx"), ["Orchestrator:Tls:CertificatePassword"] = TestCertificates.Password },
            urls: "https://127.0.0.1:0");

        using var channel = TestCertificates.Channel(orchestrator.Address, server, clientCertificate: null);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();

        Assert.Equal("https", orchestrator.Address.Scheme);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task MutualTls_RequireCertificate_RefusesClientsWithoutOneAndServesThoseTheCaSigned()
    {
        using var server = TestCertificates.Server();
        using var authority = TestCertificates.Authority();
        using var client = TestCertificates.Client(authority);
        await using var orchestrator = await TestOrchestrator.StartAsync(
            new Dictionary<string, string>
            {
                ["Orchestrator:Tls:CertificatePath"] = _files.Pfx(server, "server.pfx"),
                ["Orchestrator:Tls:CertificatePassword"] = TestCertificates.Password,
                ["Orchestrator:Tls:ClientCertificateMode"] = "RequireCertificate",
                ["Orchestrator:Tls:ClientCaPath"] = _files.Pem(authority, "ca.pem"),
            },
            urls: "https://127.0.0.1:0");

        using var anonymous = TestCertificates.Channel(orchestrator.Address, server, clientCertificate: null);
        using var trusted = TestCertificates.Channel(orchestrator.Address, server, client);
        var refused = await Assert.ThrowsAsync<RpcException>(() => new Health.HealthClient(anonymous).CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout());
        var health = await new Health.HealthClient(trusted).CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();

        // The handshake fails: depending on when TLS 1.3 reports it, the call ends UNAVAILABLE or INTERNAL, never OK.
        Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    public void Dispose() => _files.Dispose();
}
