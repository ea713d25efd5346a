using Grpc.Core;
using GrpcWorkflows.Orchestrator.Hosting;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Security.Internal;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>Secure by default: no authentication only on loopback; anywhere else it must be configured or explicitly waived.</summary>
public sealed class SecureByDefaultTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-secure-").FullName;

    [Fact]
    public async Task Start_NonLoopbackAddressWithoutAuthentication_ExitsWithCodeTwoNamingTheSettings()
    {
        await using var orchestrator = TestProcess.StartDotnet("GrpcWorkflows.Orchestrator", ["--urls", "http://0.0.0.0:0", "--Storage:Provider=memory"]);

        await orchestrator.WaitForExitAsync(AsyncTestHelpers.DefaultTimeoutSpan);

        Assert.Equal(2, orchestrator.ExitCode);
        Assert.Contains(orchestrator.Lines, l => l.Contains("http://0.0.0.0:0", StringComparison.Ordinal) && l.Contains("without authentication", StringComparison.Ordinal));
        Assert.Contains(orchestrator.Lines, l => l.Contains("Auth:ApiKeys", StringComparison.Ordinal) && l.Contains("Auth:Jwt:Authority", StringComparison.Ordinal) && l.Contains("Auth:Mode=None", StringComparison.Ordinal));
        Assert.DoesNotContain(orchestrator.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://0.0.0.0:0", "Auth:Mode=None")]
    [InlineData("http://*:0", "Auth:ApiKeysFile={keys}")]
    [InlineData("http://[::]:0", "Auth:Jwt:Authority=https://login.example.com|Auth:Jwt:Audience=gwf")]
    public async Task Validate_NonLoopbackWithAuthenticationOrExplicitOptOut_IsAccepted(string urls, string setting)
    {
        await File.WriteAllTextAsync(KeysFile, "[]");

        var failures = await ValidateAsync(urls, setting.Replace("{keys}", KeysFile, StringComparison.Ordinal).Split('|'));

        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://localhost:0")]
    [InlineData("http://[::1]:0")]
    public async Task Validate_LoopbackWithoutAuthentication_IsAccepted(string urls)
        => Assert.Empty(await ValidateAsync(urls));

    [Fact]
    public async Task Validate_BadKeysAndJwtSettings_ListsEveryProblemWithTheSettingToChange()
    {
        await File.WriteAllTextAsync(KeysFile, """[{"name": "ci", "role": "root", "sha256": "not-a-hash"}]""");

        var failures = await ValidateAsync(
            "http://127.0.0.1:0",
            "Auth:ApiKeys:0:Name=plain",
            "Auth:ApiKeys:0:Role=admin",
            "Auth:ApiKeys:0:Sha256=my-secret-key",
            $"Auth:ApiKeysFile={KeysFile}",
            "Auth:Jwt:JwksPath=" + Path.Combine(_folder, "missing.json"));

        Assert.Contains(failures, f => f.Contains("Auth:ApiKeys[0] 'plain': Sha256 must be the 64 hexadecimal digits", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Auth:ApiKeysFile", StringComparison.Ordinal) && f.Contains("Role 'root' is not one of", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Auth:Jwt:Audience is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Auth:Jwt:Issuer is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Auth:Jwt:JwksPath", StringComparison.Ordinal) && f.Contains("could not be read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_RequiredModeWithoutCredentials_Refuses()
    {
        var failures = await ValidateAsync("http://127.0.0.1:0", "Auth:Mode=Required");

        Assert.Contains(failures, f => f.Contains("Auth:Mode is Required but no credential is configured", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Call_KeyFromKeysFile_AuthenticatesWithItsRole()
    {
        await File.WriteAllTextAsync(KeysFile, $$"""[{"name": "dashboard", "role": "viewer", "sha256": "{{TestCredentials.Sha256("gwf_dashboard-key-0123456789")}}"}]""");
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Auth:ApiKeysFile"] = KeysFile });
        var viewer = new Metadata { { AuthOptions.ApiKeyHeader, "gwf_dashboard-key-0123456789" } };

        await orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest(), viewer).ResponseAsync.DefaultTimeout();
        var denied = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = "x" }, viewer).ResponseAsync.DefaultTimeout());
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest()).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("needs the role 'operator'; the credential 'dashboard' has the role(s) viewer", denied.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    [Fact]
    public async Task Health_AuthenticationOn_StaysOpen()
    {
        await File.WriteAllTextAsync(KeysFile, "[]");
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Auth:Mode"] = "Required", ["Auth:ApiKeysFile"] = KeysFile });

        var health = await new Grpc.Health.V1.Health.HealthClient(orchestrator.Channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest()).ResponseAsync.DefaultTimeout();

        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5100", true)]
    [InlineData("https://localhost:5443", true)]
    [InlineData("http://[::1]:0", true)]
    [InlineData("http://127.8.9.10:80/", true)]
    [InlineData("http://0.0.0.0:5100", false)]
    [InlineData("http://*:5100", false)]
    [InlineData("http://+:5100", false)]
    [InlineData("http://[::]:5100", false)]
    [InlineData("http://10.1.2.3:5100", false)]
    [InlineData("http://orchestrator.example.com:5100", false)]
    public void IsLoopback_Address_Classified(string url, bool loopback)
        => Assert.Equal(loopback, ListeningAddresses.IsLoopback(url));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string KeysFile => Path.Combine(_folder, "keys.json");

    private static async Task<IReadOnlyList<string>> ValidateAsync(string urls, params string[] settings)
    {
        var builder = OrchestratorHost.CreateBuilder(["--urls", urls, "--Storage:Provider=memory", .. settings.Select(s => "--" + s)]);
        await using var app = builder.Build();
        return OrchestratorHost.ValidateConfiguration(app.Services);
    }
}
