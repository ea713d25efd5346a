using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Options;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>
/// Mutual TLS from the orchestrator to executors, on real Kestrel with certificates made for the test: the
/// orchestrator presents <c>Dispatch:ClientCertificate</c> and trusts <c>Dispatch:ExecutorCaPath</c>; an SDK executor
/// with <c>Executor:CallerCertificates</c> serves it and refuses callers without that certificate.
/// </summary>
public sealed class MutualTlsDispatchTests : IDisposable
{
    private readonly TestCertificates _files = new();

    [Theory]
    [InlineData("ca")]
    [InlineData("thumbprint")]
    public async Task ExecuteStep_ExecutorRequiringTheOrchestratorsCertificate_ServesTheOrchestratorAndRefusesCallersWithoutItOrFromAnotherCa(string pinnedBy)
    {
        using var executorServer = TestCertificates.Server();
        using var authority = TestCertificates.Authority();
        using var otherAuthority = TestCertificates.Authority("Another CA");
        using var orchestratorCertificate = TestCertificates.Client(authority, "orchestrator");
        using var sameCaOther = TestCertificates.Client(authority, "someone-else");
        using var rogue = TestCertificates.Client(otherAuthority, "orchestrator");
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string>
        {
            ["Dispatch:ClientCertificate:Path"] = _files.Pfx(orchestratorCertificate, "orchestrator-client.pfx"),
            ["Dispatch:ClientCertificate:Password"] = TestCertificates.Password,
            ["Dispatch:ExecutorCaPath"] = _files.Pem(executorServer, "executor-server.pem"),
        });
        var pin = pinnedBy == "ca"
            ? $"--Executor:CallerCertificates:CaPath={_files.Pem(authority, "ca.pem")}"
            : $"--Executor:CallerCertificates:Thumbprints:0={orchestratorCertificate.GetCertHashString(HashAlgorithmName.SHA256)}";
        await using var executor = await InProcessExecutor.StartAsync(
            orchestrator.Address, 4, 0,
            "--Executor:Mode=Push",
            "--Kestrel:Endpoints:Https:Url=https://127.0.0.1:0",
            $"--Kestrel:Endpoints:Https:Certificate:Path={_files.Pfx(executorServer, "executor-server.pfx")}",
            $"--Kestrel:Endpoints:Https:Certificate:Password={TestCertificates.Password}",
            pin);
        await orchestrator.WaitForExecutorsAsync("echo");

        var execution = await orchestrator.Workflows.RunToEndAsync(Define("mtls", ("a", Step("echo", """{"n": 1}"""))));

        Assert.Equal("https", executor.Address.Scheme);
        Assert.Equal(ExecutionState.Succeeded, execution.State);
        Assert.StartsWith("https://127.0.0.1:", execution.Steps.Single().AttemptHistory.Single().Endpoint, StringComparison.Ordinal);

        async Task<StatusCode> DescribeAsync(X509Certificate2? clientCertificate)
        {
            using var channel = TestCertificates.Channel(executor.Address, executorServer, clientCertificate);
            try
            {
                await new StepExecutorService.StepExecutorServiceClient(channel).DescribeExecutorAsync(new DescribeExecutorRequest()).ResponseAsync.DefaultTimeout();
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }

        // The handshake fails without the certificate, or with one of another CA (UNAVAILABLE or INTERNAL, as TLS 1.3 reports it).
        Assert.Equal(StatusCode.OK, await DescribeAsync(orchestratorCertificate));
        Assert.Contains(await DescribeAsync(null), new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.Contains(await DescribeAsync(rogue), new[] { StatusCode.Unavailable, StatusCode.Internal });
        if (pinnedBy == "thumbprint")
        {
            // Pinned by thumbprint: another certificate of the same CA does not pass either.
            Assert.Contains(await DescribeAsync(sameCaOther), new[] { StatusCode.Unavailable, StatusCode.Internal });
        }
        else
        {
            Assert.Equal(StatusCode.OK, await DescribeAsync(sameCaOther));
        }
    }

    [Fact]
    public async Task ExecuteStep_ExecutorRequiringCertificatesCalledOverPlainHttp_Unauthenticated()
    {
        using var authority = TestCertificates.Authority();
        await using var executor = await InProcessExecutor.StartAsync(null, 4, 0, $"--Executor:CallerCertificates:CaPath={_files.Pem(authority, "ca.pem")}");
        using var channel = GrpcChannel.ForAddress(executor.Address);

        var refused = await Assert.ThrowsAsync<RpcException>(() => new StepExecutorService.StepExecutorServiceClient(channel).ExecuteStepAsync(
            new ExecuteStepRequest { ExecutionId = "x", StepId = "s", StepType = "echo", Attempt = 1, IdempotencyKey = "x:s" }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("Executor:CallerCertificates", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(executor.Steps.Started);
    }

    [Fact]
    public async Task Start_ClientCertificateMissingOrUnreadable_RefusedNamingTheSetting()
    {
        var missing = await Assert.ThrowsAsync<OptionsValidationException>(() => TestOrchestrator.StartAsync(new Dictionary<string, string>
        {
            ["Dispatch:ClientCertificate:Path"] = Path.Combine(_files.Folder, "nope.pfx"),
        }));
        using var authority = TestCertificates.Authority();
        var caOnly = _files.Pem(authority, "not-a-key.pem");
        var keyless = await Assert.ThrowsAsync<OptionsValidationException>(() => TestOrchestrator.StartAsync(new Dictionary<string, string>
        {
            ["Dispatch:ClientCertificate:Path"] = caOnly,
            ["Dispatch:ExecutorCaPath"] = Path.Combine(_files.Folder, "nope.pem"),
        }));
        var badThumbprint = await Assert.ThrowsAsync<OptionsValidationException>(() => InProcessExecutor.StartAsync(null, 4, 0, "--Executor:CallerCertificates:Thumbprints:0=not-hex"));

        Assert.Contains("Dispatch:ClientCertificate:Path", missing.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains("Dispatch:ClientCertificate:Path", keyless.Message, StringComparison.Ordinal);
        Assert.Contains("Dispatch:ExecutorCaPath", keyless.Message, StringComparison.Ordinal);
        Assert.Contains("Executor:CallerCertificates:Thumbprints:0", badThumbprint.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
