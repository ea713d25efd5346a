using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>Built-in <c>workflow</c> steps over real gRPC: a child execution of a stored workflow, linked both ways.</summary>
public sealed class SubWorkflowTests
{
    private static StepDefinition Child(string workflowId, string? inputJson = null, int version = 0, params string[] dependsOn)
    {
        var step = new StepDefinition { Workflow = new SubWorkflowStep { Id = workflowId, Version = version } };
        if (inputJson is not null)
        {
            step.Input = Json(inputJson);
        }

        step.DependsOn.Add(dependsOn);
        return step;
    }

    private static async Task<Execution> GetAsync(TestOrchestrator orchestrator, string executionId)
        => (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }).ResponseAsync.DefaultTimeout()).Execution;

    private static async Task RegisterAsync(TestOrchestrator orchestrator, WorkflowDefinition definition)
        => await orchestrator.Workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();

    [Fact]
    public async Task WorkflowStep_RunsTheChild_OutputIsTheChildsResult_LinkedBothWays()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var child = Define("child", ("greet", Step("echo", """{"greeting": "{{ workflow.input.name }}"}""")));
        child.Output = Json("""{"said": "{{ steps.greet.output.greeting }}"}""");
        await RegisterAsync(orchestrator, child);
        var parent = Define(
            "parent",
            ("first", Step("echo", """{"name": "ada"}""")),
            ("sub", Child("child", """{"name": "{{ steps.first.output.name }}"}""", dependsOn: "first")),
            ("after", Step("echo", """{"got": "{{ steps.sub.output.said }}"}""", "sub")));

        var finished = await orchestrator.Workflows.RunToEndAsync(parent);
        var events = await orchestrator.Workflows.WatchToEndAsync(finished.ExecutionId);
        var sub = finished.Steps.Single(s => s.StepId == "sub");
        var childExecution = await GetAsync(orchestrator, sub.ChildExecutionId);

        Assert.Equal(ExecutionState.Succeeded, finished.State);
        Assert.Equal("ada", sub.Output.Fields["said"].StringValue);
        Assert.Equal("ada", finished.Steps.Single(s => s.StepId == "after").Output.Fields["got"].StringValue);
        Assert.Contains(events, e => e.ChildStarted?.ChildExecutionId == sub.ChildExecutionId && e.ChildStarted.StepId == "sub" && e.ChildStarted.WorkflowVersion == 1);
        Assert.Equal((finished.ExecutionId, "sub", 1, 1), (childExecution.ParentExecutionId, childExecution.ParentStepId, childExecution.Depth, childExecution.WorkflowVersion));
        Assert.Equal(ExecutionState.Succeeded, childExecution.State);
        Assert.Equal("ada", childExecution.Input.Fields["name"].StringValue);
    }

    [Fact]
    public async Task WorkflowStep_ChildFails_TheStepFailsWithTheChildsReason()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("fail");
        var child = Define("failing-child", ("boom", Step("fail")));
        child.DefaultRetryPolicy = FastRetry(maxAttempts: 1);
        await RegisterAsync(orchestrator, child);

        var finished = await orchestrator.Workflows.RunToEndAsync(Define("parent", ("sub", Child("failing-child"))));
        var sub = finished.Steps.Single(s => s.StepId == "sub");
        var childExecution = await GetAsync(orchestrator, sub.ChildExecutionId);

        Assert.Equal(ExecutionState.Failed, finished.State);
        Assert.Equal(StepState.Failed, sub.State);
        Assert.Equal(ExecutionState.Failed, childExecution.State);
        Assert.Equal(childExecution.Error.Code, sub.Error.Code);
        Assert.Contains($"the child execution {childExecution.ExecutionId} failed", sub.Error.Message, StringComparison.Ordinal);
        Assert.Contains(childExecution.Error.Message, sub.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelParent_WhileTheChildWaits_CancelsTheChild()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await RegisterAsync(orchestrator, Define("waiting-child", ("wait", new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "never" } })));
        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Define("parent", ("sub", Child("waiting-child"))) }).ResponseAsync.DefaultTimeout();
        string? childId = null;
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (childId = (await GetAsync(orchestrator, submitted.ExecutionId)).Steps[0].ChildExecutionId) is { Length: > 0 }
                && (await GetAsync(orchestrator, childId)).Steps[0].State == StepState.Suspended,
            "the child waits for its signal");

        await orchestrator.Workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = submitted.ExecutionId, Reason = "stop all" }).ResponseAsync.DefaultTimeout();
        var childEvents = await orchestrator.Workflows.WatchToEndAsync(childId!);
        var parent = await GetAsync(orchestrator, submitted.ExecutionId);

        Assert.Equal(ExecutionState.Cancelled, parent.State);
        Assert.Equal(ExecutionState.Cancelled, childEvents.FinalState());
        Assert.Contains(childEvents, e => e.CancelRequested?.Reason.Contains($"the parent execution {submitted.ExecutionId} cancelled its step 'sub'", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task MutualRecursion_StopsAtTheDepthLimit_EveryLevelFails()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await RegisterAsync(orchestrator, Define("ping", ("call", Child("pong"))));
        await RegisterAsync(orchestrator, Define("pong", ("call", Child("ping"))));

        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { WorkflowRef = new WorkflowReference { Id = "ping" } }).ResponseAsync.DefaultTimeout();
        var events = await orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId);
        var top = await GetAsync(orchestrator, submitted.ExecutionId);

        Assert.Equal(ExecutionState.Failed, events.FinalState());
        Assert.Contains("beyond the limit of 8", top.Steps[0].Error.Message, StringComparison.Ordinal);
        var depth = 0;
        var execution = top;
        while (execution.Steps[0].ChildExecutionId is { Length: > 0 } next)
        {
            execution = await GetAsync(orchestrator, next);
            depth++;
            Assert.Equal(ExecutionState.Failed, execution.State);
        }

        Assert.Equal(8, depth);
    }

    [Fact]
    public async Task WorkflowStep_UnknownStoredWorkflow_FailsWithNotFound()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();

        var finished = await orchestrator.Workflows.RunToEndAsync(Define("parent", ("sub", Child("nowhere"))));

        Assert.Equal(ExecutionState.Failed, finished.State);
        Assert.Equal("NOT_FOUND", finished.Steps[0].Error.Code);
        Assert.Contains("'nowhere'", finished.Steps[0].Error.Message, StringComparison.Ordinal);
    }
}
