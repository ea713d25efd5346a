using Grpc.Core;
using GrpcWorkflows.Client.Errors;
using GrpcWorkflows.Client.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcWorkflows.Client.Tests;

public sealed class RequestResponseTests
{
    [Fact]
    public async Task ValidateAsync_InvalidDefinition_ProblemsReadableFromBadRequestDetails()
    {
        await using var server = await LoopbackServer.StartAsync(new ScriptedWorkflowService(eventCount: 2));
        using var client = ClientFactory.Create(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ValidateAsync(new WorkflowDefinition { Id = "bad" })).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var problems = error.GetValidationProblems();
        Assert.Equal(["steps.b.depends_on[0]", "steps.a"], problems.Select(p => p.Field));
        Assert.Contains("cycle", problems[1].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_NamespaceInOptions_SentUnlessTheRequestNamesOne()
    {
        var service = new ScriptedWorkflowService(eventCount: 2);
        await using var server = await LoopbackServer.StartAsync(service);
        using var client = WorkflowClient.Create(server.Address, new WorkflowClientOptions { Namespace = "team-a" });
        var named = new SubmitWorkflowRequest { Definition = new WorkflowDefinition { Id = "wf" }, Namespace = "team-b" };

        await client.SubmitAsync(new WorkflowDefinition { Id = "wf" }).DefaultTimeout();
        await client.SubmitAsync(named).DefaultTimeout();

        Assert.Equal(["team-a", "team-b"], service.Submissions.Select(s => s.Namespace));
        Assert.Equal("team-b", named.Namespace);
    }

    [Fact]
    public async Task SubmitAsync_UnservedStepType_ProblemsReadableFromPreconditionFailureDetails()
    {
        await using var server = await LoopbackServer.StartAsync(new ScriptedWorkflowService(eventCount: 2));
        using var client = ClientFactory.Create(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(new WorkflowDefinition { Id = "unserved" })).DefaultTimeout();

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        var problem = Assert.Single(error.GetValidationProblems());
        Assert.Equal("steps.b.type", problem.Field);
        Assert.Contains("teleport", problem.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListExecutorsAsync_WithStepType_ReturnsOnlyThoseExecutors()
    {
        var registry = new FixedExecutorRegistry([
            new ExecutorInfo { ExecutorId = "in-1", StepTypes = { "input" } },
            new ExecutorInfo { ExecutorId = "ai-1", StepTypes = { "ai" } },
        ]);
        await using var server = await LoopbackServer.StartAsync(new ScriptedWorkflowService(eventCount: 2), registry);
        using var client = ClientFactory.Create(server.Address);

        var executors = await client.ListExecutorsAsync("ai").DefaultTimeout();

        Assert.Equal(["ai-1"], executors.Select(e => e.ExecutorId));
    }

    [Fact]
    public async Task AddGrpcWorkflowsClient_ResolvedClient_CallsTheConfiguredAddress()
    {
        var service = new ScriptedWorkflowService(eventCount: 3);
        await using var server = await LoopbackServer.StartAsync(service);
        var services = new ServiceCollection();
        services.AddGrpcWorkflowsClient(options => options.Address = server.Address);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IWorkflowClient>();
        var execution = await client.GetAsync(ScriptedWorkflowService.ExecutionId).DefaultTimeout();
        var submitted = await client.SubmitAsync(new WorkflowDefinition { Id = "wf" }, idempotencyKey: "k").DefaultTimeout();

        Assert.Equal(ExecutionState.Succeeded, execution.State);
        Assert.True(submitted.Existing);
        Assert.Equal(["GetExecution", "SubmitWorkflow"], service.Calls);
    }

    [Fact]
    public async Task GetAsync_NothingListening_ThrowsTransportFailure()
    {
        using var client = ClientFactory.Create(new Uri("http://127.0.0.1:1"));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.GetAsync("x")).DefaultTimeout();

        Assert.True(error.IsTransportFailure());
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}
