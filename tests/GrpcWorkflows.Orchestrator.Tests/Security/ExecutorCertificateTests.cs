using System.Security.Cryptography;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.TestExecutor;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>
/// Mutual TLS from executors to the orchestrator: a client certificate mapped in <c>Auth:ClientCertificates</c> is an
/// executor credential (role, step types, namespaces) in place of an API key; the SDK presents it with
/// <c>Executor:OrchestratorTls</c>.
/// </summary>
public sealed class ExecutorCertificateTests : IDisposable
{
    private readonly TestCertificates _files = new();

    [Fact]
    public async Task Connect_ExecutorPresentingAMappedCertificate_ServesAsThatCredentialAndOtherCertificatesAreRefused()
    {
        using var orchestratorServer = TestCertificates.Server();
        using var authority = TestCertificates.Authority();
        using var executorCertificate = TestCertificates.Client(authority, "echo-executor");
        using var unmapped = TestCertificates.Client(authority, "unmapped");
        var adminKey = "gwf_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var settings = new Dictionary<string, string>
        {
            ["Orchestrator:Tls:CertificatePath"] = _files.Pfx(orchestratorServer, "orchestrator-server.pfx"),
            ["Orchestrator:Tls:CertificatePassword"] = TestCertificates.Password,
            ["Orchestrator:Tls:ClientCertificateMode"] = "RequireCertificate",
            ["Orchestrator:Tls:ClientCaPath"] = _files.Pem(authority, "ca.pem"),
            ["Auth:ApiKeys:0:Name"] = "admin",
            ["Auth:ApiKeys:0:Role"] = Roles.Admin,
            ["Auth:ApiKeys:0:Sha256"] = TestCredentials.Sha256(adminKey),
            ["Auth:ApiKeys:0:Namespaces:0"] = "*",
            ["Auth:ClientCertificates:0:Name"] = "echo-executor",
            ["Auth:ClientCertificates:0:Role"] = Roles.Executor,
            ["Auth:ClientCertificates:0:Sha256"] = string.Join(':', executorCertificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))),
        };
        for (var i = 0; i < TestExecutorApp.StepTypes.Length; i++)
        {
            // The test executor's step types, and no other: the certificate's credential may not register "ai".
            settings[$"Auth:ClientCertificates:0:StepTypes:{i}"] = TestExecutorApp.StepTypes[i];
        }

        await using var orchestrator = await TestOrchestrator.StartAsync(settings, urls: "https://127.0.0.1:0");
        await using var executor = await InProcessExecutor.StartAsync(
            orchestrator.Address, 4, 0,
            $"--Executor:OrchestratorTls:CertificatePath={_files.Pfx(executorCertificate, "executor-client.pfx")}",
            $"--Executor:OrchestratorTls:Password={TestCertificates.Password}",
            $"--Executor:OrchestratorTls:CaPath={_files.Pem(orchestratorServer, "orchestrator-server.pem")}");
        await orchestrator.WaitForExecutorsAsync("echo");

        using var adminChannel = TestCertificates.Channel(orchestrator.Address, orchestratorServer, unmapped);
        var admin = new WorkflowService.WorkflowServiceClient(adminChannel);
        var headers = TestCredentials.Headers(adminKey);
        var id = (await admin.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Define("cert", ("a", Step("echo", "{}"))) }, headers).ResponseAsync.DefaultTimeout()).ExecutionId;
        var state = ExecutionState.Unspecified;
        await AsyncTestHelpers.WaitUntilAsync(
            async () =>
            {
                state = (await admin.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }, headers).ResponseAsync.DefaultTimeout()).Execution.State;
                return state is not (ExecutionState.Pending or ExecutionState.Running);
            },
            "the execution finishes");

        using var executorChannel = TestCertificates.Channel(orchestrator.Address, orchestratorServer, executorCertificate);
        using var unmappedChannel = TestCertificates.Channel(orchestrator.Address, orchestratorServer, unmapped);
        var asExecutor = new ExecutorRegistryService.ExecutorRegistryServiceClient(executorChannel);
        var otherType = await Assert.ThrowsAsync<RpcException>(() => asExecutor.RegisterExecutorAsync(
            new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:1", StepTypes = { "ai" } }).ResponseAsync.DefaultTimeout());
        var ownType = await asExecutor.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:1", StepTypes = { "noop" } }).ResponseAsync.DefaultTimeout();
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => new ExecutorRegistryService.ExecutorRegistryServiceClient(unmappedChannel).RegisterExecutorAsync(
            new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:2", StepTypes = { "noop" } }).ResponseAsync.DefaultTimeout());

        Assert.Equal(ExecutionState.Succeeded, state);
        Assert.Contains(executor.Steps.Started, d => d.StartsWith(id + "/", StringComparison.Ordinal));
        Assert.Equal(StatusCode.PermissionDenied, otherType.StatusCode);
        Assert.Contains("'echo-executor'", otherType.Status.Detail, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(ownType.ExecutorId));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    [Fact]
    public async Task Start_CertificatesMappedWithoutAskingForThem_RefusedNamingTheSettings()
    {
        var refused = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestOrchestrator.StartAsync(new Dictionary<string, string>
        {
            ["Auth:ClientCertificates:0:Name"] = "executor",
            ["Auth:ClientCertificates:0:Role"] = Roles.Executor,
            ["Auth:ClientCertificates:0:Sha256"] = "not-a-fingerprint",
        }));

        Assert.Contains("Orchestrator:Tls:ClientCertificateMode", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Auth:ClientCertificates[0] 'executor': Sha256 must be the 64 hexadecimal digits of the certificate's SHA-256 fingerprint", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
