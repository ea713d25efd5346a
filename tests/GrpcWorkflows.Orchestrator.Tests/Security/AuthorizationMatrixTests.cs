using Grpc.Core;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>
/// Every RPC of WorkflowService and ExecutorRegistryService × every kind of credential, over real
/// gRPC to the orchestrator on Kestrel (loopback, free port), with a real executor that registered
/// with its own <c>executor</c> API key through the SDK.
/// </summary>
public sealed class AuthorizationMatrixTests(ITestOutputHelper output)
{
    private sealed record Credential(string Label, string? Role, Action<Metadata> Apply);

    private sealed record Rpc(string Method, StatusCode Authorized, Func<Metadata, Task> Call);

    [Fact]
    public async Task EveryRpc_EveryCredential_ExpectedStatus()
    {
        using var credentials = new TestCredentials();
        await using var orchestrator = await TestOrchestrator.StartAsync(credentials.Settings());
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address, 16, 0, $"--Executor:ApiKey={credentials.ApiKeys[Roles.Executor]}");
        await orchestrator.WaitForExecutorsAsync("echo");

        var admin = new Metadata { { AuthOptions.ApiKeyHeader, credentials.ApiKeys[Roles.Admin] } };
        var definition = Define("matrix", ("a", Step("echo", """{"x": 1}""")));
        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }, admin).ResponseAsync.DefaultTimeout();
        var executorId = (await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest(), admin).ResponseAsync.DefaultTimeout()).Executors.Single().ExecutorId;

        var rpcs = Rpcs(orchestrator, definition, submitted.ExecutionId, executorId);
        Assert.Equal(WorkflowService.Descriptor.Methods.Count + ExecutorRegistryService.Descriptor.Methods.Count, rpcs.Count);

        var mismatches = new List<string>();
        var cases = 0;
        foreach (var rpc in rpcs)
        {
            var required = RpcPolicies.For(rpc.Method)!;
            foreach (var credential in Credentials(credentials))
            {
                var expected = credential.Role is null ? StatusCode.Unauthenticated
                    : Roles.Grants(credential.Role, required) ? rpc.Authorized
                    : StatusCode.PermissionDenied;
                var headers = new Metadata();
                credential.Apply(headers);
                var (actual, detail) = await StatusOfAsync(rpc.Call(headers));
                cases++;
                if (actual != expected || detail.Contains(" at ", StringComparison.Ordinal) || detail.Contains("Exception", StringComparison.Ordinal))
                {
                    mismatches.Add($"{rpc.Method} with {credential.Label}: expected {expected}, got {actual} ({detail})");
                }
            }
        }

        output.WriteLine($"Authorization matrix: {cases} cases ({rpcs.Count} RPCs x {cases / rpcs.Count} credentials), {mismatches.Count} mismatches.");
        Console.WriteLine($"Authorization matrix: {cases} cases, {mismatches.Count} mismatches.");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static List<Credential> Credentials(TestCredentials credentials)
    {
        var list = new List<Credential>
        {
            new("no credential", null, _ => { }),
            new("an expired JWT (admin)", null, h => h.Add("authorization", "Bearer " + credentials.Token(Roles.Admin, expired: true))),
            new("a badly signed JWT (admin)", null, h => h.Add("authorization", "Bearer " + credentials.Token(Roles.Admin, badlySigned: true))),
            new("an unknown API key", null, h => h.Add(AuthOptions.ApiKeyHeader, "gwf_not-a-configured-key")),
        };
        foreach (var role in Roles.All)
        {
            list.Add(new($"the {role} API key", role, h => h.Add(AuthOptions.ApiKeyHeader, credentials.ApiKeys[role])));
            list.Add(new($"a {role} JWT", role, h => h.Add("authorization", "Bearer " + credentials.Token(role))));
        }

        return list;
    }

    private static List<Rpc> Rpcs(TestOrchestrator orchestrator, WorkflowDefinition definition, string executionId, string executorId)
    {
        var workflows = orchestrator.Workflows;
        var registry = orchestrator.Registry;
        var port = 20000;
        const string W = "/grpcworkflows.v1.WorkflowService/";
        const string R = "/grpcworkflows.v1.ExecutorRegistryService/";
        return
        [
            new(W + "SubmitWorkflow", StatusCode.OK, h => workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }, h).ResponseAsync),
            new(W + "RunWorkflow", StatusCode.OK, h => ReadAllAsync(workflows.RunWorkflow(new RunWorkflowRequest { Submit = new SubmitWorkflowRequest { Definition = definition } }, h).ResponseStream)),
            new(W + "GetExecution", StatusCode.OK, h => workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }, h).ResponseAsync),
            new(W + "ListExecutions", StatusCode.OK, h => workflows.ListExecutionsAsync(new ListExecutionsRequest(), h).ResponseAsync),
            new(W + "WatchExecution", StatusCode.OK, h => ReadAllAsync(workflows.WatchExecution(new WatchExecutionRequest { ExecutionId = executionId, FromSequence = 1 }, h).ResponseStream)),
            new(W + "CancelExecution", StatusCode.NotFound, h => workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = "no-such-execution" }, h).ResponseAsync),
            new(W + "RetryExecution", StatusCode.NotFound, h => workflows.RetryExecutionAsync(new RetryExecutionRequest { ExecutionId = "no-such-execution" }, h).ResponseAsync),
            new(W + "SignalExecution", StatusCode.NotFound, h => workflows.SignalExecutionAsync(new SignalExecutionRequest { ExecutionId = "no-such-execution", Name = "approval" }, h).ResponseAsync),
            new(W + "ValidateWorkflow", StatusCode.OK, h => workflows.ValidateWorkflowAsync(new ValidateWorkflowRequest { Definition = definition }, h).ResponseAsync),
            new(R + "RegisterExecutor", StatusCode.OK, h => registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = $"http://127.0.0.1:{port++}", StepTypes = { "matrix_only" } }, h).ResponseAsync),
            new(R + "Heartbeat", StatusCode.OK, h => registry.HeartbeatAsync(new HeartbeatRequest { ExecutorId = executorId }, h).ResponseAsync),
            new(R + "DeregisterExecutor", StatusCode.OK, h => registry.DeregisterExecutorAsync(new DeregisterExecutorRequest { ExecutorId = "no-such-executor" }, h).ResponseAsync),
            new(R + "ListExecutors", StatusCode.OK, h => registry.ListExecutorsAsync(new ListExecutorsRequest(), h).ResponseAsync),
        ];
    }

    private static async Task ReadAllAsync<T>(IAsyncStreamReader<T> stream)
    {
        while (await stream.MoveNext(CancellationToken.None).DefaultTimeout())
        {
        }
    }

    private static async Task<(StatusCode Code, string Detail)> StatusOfAsync(Task call)
    {
        try
        {
            await call.DefaultTimeout();
            return (StatusCode.OK, "");
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, ex.Status.Detail);
        }
    }
}
