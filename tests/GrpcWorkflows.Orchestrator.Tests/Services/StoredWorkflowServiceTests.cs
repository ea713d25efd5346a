using Grpc.Core;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>Stored, versioned workflows over real gRPC: register, get, list, delete, and submission by reference.</summary>
public sealed class StoredWorkflowServiceTests
{
    [Fact]
    public async Task SubmitByReference_ExecutionStartedOnV1_KeepsRunningV1AfterV2IsRegistered()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var workflows = orchestrator.Workflows;
        var v1 = Define("pinned", ("wait", new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "go" } }), ("one", Step("echo", """{"v": 1}""", "wait")));
        var v2 = Define("pinned", ("two", Step("echo", """{"v": 2}""")));

        var registered1 = await workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = v1 }).ResponseAsync.DefaultTimeout();
        var onV1 = await workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { WorkflowRef = new WorkflowReference { Id = "pinned" } }).ResponseAsync.DefaultTimeout();
        var registered2 = await workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = v2 }).ResponseAsync.DefaultTimeout();
        var whileRunning = (await workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = onV1.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;
        await workflows.SignalExecutionAsync(new SignalExecutionRequest { ExecutionId = onV1.ExecutionId, Name = "go" }).ResponseAsync.DefaultTimeout();
        var v1Events = await workflows.WatchToEndAsync(onV1.ExecutionId);
        var onV2 = await workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { WorkflowRef = new WorkflowReference { Id = "pinned" } }).ResponseAsync.DefaultTimeout();
        var pinnedToV1 = await workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { WorkflowRef = new WorkflowReference { Id = "pinned", Version = 1 } }).ResponseAsync.DefaultTimeout();
        await workflows.WatchToEndAsync(onV2.ExecutionId);
        var finishedV1 = (await workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = onV1.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;
        var finishedV2 = (await workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = onV2.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;
        var second = (await workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = pinnedToV1.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;

        Assert.Equal((1, 2), (registered1.Workflow.Version, registered2.Workflow.Version));
        Assert.Equal(1, whileRunning.WorkflowVersion);
        Assert.Equal(["one", "wait"], whileRunning.Definition.Steps.Keys.Order());
        Assert.Equal(ExecutionState.Succeeded, v1Events.FinalState());
        Assert.Equal(1, finishedV1.WorkflowVersion);
        Assert.Equal(["wait", "one"], finishedV1.Steps.Select(s => s.StepId));
        Assert.Equal(1, finishedV1.Steps.Single(s => s.StepId == "one").Output.Fields["v"].NumberValue);
        Assert.Equal((2, ExecutionState.Succeeded), (finishedV2.WorkflowVersion, finishedV2.State));
        Assert.Equal(["two"], finishedV2.Steps.Select(s => s.StepId));
        Assert.Equal((1, 2), (second.WorkflowVersion, second.Steps.Count));
    }

    [Fact]
    public async Task RegisterWorkflow_IdenticalDefinition_ReturnsTheExistingVersion()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var definition = Define("same", ("a", Step("echo", """{"x": 1}""")));

        var first = await orchestrator.Workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        var again = await orchestrator.Workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = definition.Clone() }).ResponseAsync.DefaultTimeout();
        var got = await orchestrator.Workflows.GetWorkflowAsync(new GetWorkflowRequest { WorkflowId = "same" }).ResponseAsync.DefaultTimeout();

        Assert.Equal((1, false), (first.Workflow.Version, first.Existing));
        Assert.Equal((1, true), (again.Workflow.Version, again.Existing));
        Assert.Equal((1, 1, definition), (got.Workflow.Version, got.LatestVersion, got.Workflow.Definition));
    }

    [Fact]
    public async Task RegisterWorkflow_InvalidDefinition_InvalidArgumentWithEveryFieldPath()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var definition = Define("bad", ("a", Step("echo", null, "missing")), ("b", new StepDefinition { Workflow = new SubWorkflowStep { Id = "bad" } }));

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("steps.a.depends_on[0]", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("steps.b.workflow.id", error.Status.Detail, StringComparison.Ordinal);
        var listed = await orchestrator.Workflows.ListWorkflowsAsync(new ListWorkflowsRequest()).ResponseAsync.DefaultTimeout();
        Assert.Empty(listed.Workflows);
    }

    [Fact]
    public async Task DeleteWorkflow_StopsNewRuns_KeepsExecutionsAndVersions()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var workflows = orchestrator.Workflows;
        await workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = Define("gone", ("a", Step("echo", """{"x": 1}"""))) }).ResponseAsync.DefaultTimeout();
        await workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = Define("kept", ("a", Step("echo", """{"x": 1}"""))) }).ResponseAsync.DefaultTimeout();
        var ran = await workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { WorkflowRef = new WorkflowReference { Id = "gone" } }).ResponseAsync.DefaultTimeout();
        await workflows.WatchToEndAsync(ran.ExecutionId);

        var deleted = await workflows.DeleteWorkflowAsync(new DeleteWorkflowRequest { WorkflowId = "gone" }).ResponseAsync.DefaultTimeout();
        var submit = await Assert.ThrowsAsync<RpcException>(() => workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { WorkflowRef = new WorkflowReference { Id = "gone" } }).ResponseAsync.DefaultTimeout());
        var get = await Assert.ThrowsAsync<RpcException>(() => workflows.GetWorkflowAsync(new GetWorkflowRequest { WorkflowId = "gone" }).ResponseAsync.DefaultTimeout());
        var listed = await workflows.ListWorkflowsAsync(new ListWorkflowsRequest()).ResponseAsync.DefaultTimeout();
        var execution = (await workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = ran.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;

        Assert.Equal(1, deleted.Versions);
        Assert.Equal(StatusCode.NotFound, submit.StatusCode);
        Assert.Contains("'gone'", submit.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        Assert.Equal(["kept"], listed.Workflows.Select(w => w.WorkflowId));
        Assert.Null(listed.Workflows[0].Definition);
        Assert.Equal((ExecutionState.Succeeded, 1), (execution.State, execution.WorkflowVersion));
    }

    [Fact]
    public async Task SubmitWorkflow_DefinitionAndReferenceBoth_InvalidArgument()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();

        var both = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest
        {
            Definition = Define("x", ("a", Step("echo"))),
            WorkflowRef = new WorkflowReference { Id = "", Version = -1 },
        }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, both.StatusCode);
        Assert.Contains("workflow_ref.id", both.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("workflow_ref.version", both.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("not both", both.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoredWorkflows_AreNamespaced()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await orchestrator.Workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = Define("shared", ("a", Step("echo"))), Namespace = "team-a" }).ResponseAsync.DefaultTimeout();

        var inDefault = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.GetWorkflowAsync(new GetWorkflowRequest { WorkflowId = "shared" }).ResponseAsync.DefaultTimeout());
        var inTeam = await orchestrator.Workflows.GetWorkflowAsync(new GetWorkflowRequest { WorkflowId = "shared", Namespace = "team-a" }).ResponseAsync.DefaultTimeout();
        var submitElsewhere = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { WorkflowRef = new WorkflowReference { Id = "shared" } }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.NotFound, inDefault.StatusCode);
        Assert.Equal("team-a", inTeam.Workflow.Namespace);
        Assert.Equal(StatusCode.NotFound, submitElsewhere.StatusCode);
    }
}
