using Grpc.Core;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>Namespaces over real gRPC: executions of one team are invisible to another's credentials.</summary>
public sealed class NamespaceTests
{
    [Fact]
    public async Task Executions_OfAnotherNamespace_AreNotFoundAndNeverListed()
    {
        using var credentials = new TestCredentials();
        var teamA = TestCredentials.Headers(credentials.AddKey("team-a", Roles.Operator, ["team-a"], []));
        var teamB = TestCredentials.Headers(credentials.AddKey("team-b", Roles.Operator, ["team-b"], []));
        var both = TestCredentials.Headers(credentials.AddKey("both", Roles.Viewer, ["team-a", "team-b"], []));
        await using var orchestrator = await TestOrchestrator.StartAsync(credentials.Settings());
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address, 16, 0, $"--Executor:ApiKey={credentials.ApiKeys[Roles.Executor]}");
        await orchestrator.WaitForExecutorsAsync("echo");
        var workflows = orchestrator.Workflows;
        var definition = Define("ns", ("a", Step("echo", """{"x": 1}""")));

        var a = await workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Namespace = "team-a", IdempotencyKey = "k" }, teamA).ResponseAsync.DefaultTimeout();
        var b = await workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Namespace = "team-b", IdempotencyKey = "k" }, teamB).ResponseAsync.DefaultTimeout();
        var intoA = await Assert.ThrowsAsync<RpcException>(() => workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Namespace = "team-a" }, teamB).ResponseAsync.DefaultTimeout());
        var intoDefault = await Assert.ThrowsAsync<RpcException>(() => workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }, teamB).ResponseAsync.DefaultTimeout());
        var get = await Assert.ThrowsAsync<RpcException>(() => workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = a.ExecutionId }, teamB).ResponseAsync.DefaultTimeout());
        var unknown = await Assert.ThrowsAsync<RpcException>(() => workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = "no-such-execution" }, teamB).ResponseAsync.DefaultTimeout());
        var cancel = await Assert.ThrowsAsync<RpcException>(() => workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = a.ExecutionId }, teamB).ResponseAsync.DefaultTimeout());
        var listA = await workflows.ListExecutionsAsync(new ListExecutionsRequest { Namespace = "team-a" }, both).ResponseAsync.DefaultTimeout();
        var listB = await workflows.ListExecutionsAsync(new ListExecutionsRequest { Namespace = "team-b" }, teamB).ResponseAsync.DefaultTimeout();
        var listAByB = await Assert.ThrowsAsync<RpcException>(() => workflows.ListExecutionsAsync(new ListExecutionsRequest { Namespace = "team-a" }, teamB).ResponseAsync.DefaultTimeout());
        var own = (await workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = a.ExecutionId }, teamA).ResponseAsync.DefaultTimeout()).Execution;
        var badName = await Assert.ThrowsAsync<RpcException>(() => workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Namespace = "Team A" }, teamA).ResponseAsync.DefaultTimeout());

        Assert.NotEqual(a.ExecutionId, b.ExecutionId);
        Assert.False(b.Existing);
        Assert.Equal(StatusCode.PermissionDenied, intoA.StatusCode);
        Assert.Contains("does not cover the namespace 'team-a'; it covers: team-b", intoA.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, intoDefault.StatusCode);
        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (get.StatusCode, cancel.StatusCode));
        Assert.Equal(unknown.Status.Detail.Replace("no-such-execution", a.ExecutionId, StringComparison.Ordinal), get.Status.Detail);
        Assert.Equal([a.ExecutionId], listA.Executions.Select(e => e.ExecutionId));
        Assert.Equal("team-a", listA.Executions[0].Namespace);
        Assert.Equal([b.ExecutionId], listB.Executions.Select(e => e.ExecutionId));
        Assert.Equal(StatusCode.PermissionDenied, listAByB.StatusCode);
        Assert.Equal("team-a", own.Namespace);
        Assert.Equal(StatusCode.InvalidArgument, badName.StatusCode);
        Assert.Contains("namespace", badName.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAuthentication_NoNamespace_IsDefaultAndListingStaysInOne()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var definition = Define("ns", ("a", Step("echo", "{}")));

        var plain = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        var named = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Namespace = "team-a" }).ResponseAsync.DefaultTimeout();
        var defaults = await orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest()).ResponseAsync.DefaultTimeout();
        var namedExecution = (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = named.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;

        Assert.Equal([plain.ExecutionId], defaults.Executions.Select(e => e.ExecutionId));
        Assert.Equal("default", defaults.Executions[0].Namespace);
        Assert.Equal("team-a", namedExecution.Namespace);
    }
}
