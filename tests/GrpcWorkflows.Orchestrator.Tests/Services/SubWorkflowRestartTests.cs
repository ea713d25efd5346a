using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>A parent and its child across an orchestrator restart on a real SQLite file: the child is found again, never started twice.</summary>
public sealed class SubWorkflowRestartTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-subworkflow-").FullName;

    private Dictionary<string, string> SqliteSettings => new()
    {
        ["Storage:Provider"] = "sqlite",
        ["Storage:Sqlite:Path"] = Path.Combine(_folder, "store.db"),
    };

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Restart_WhileTheChildWaits_ParentFollowsTheSameChildToTheEnd()
    {
        string parentId;
        string childId;
        await using (var first = await TestOrchestrator.StartAsync(SqliteSettings))
        {
            var child = Define("approval", ("wait", new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "go" } }));
            child.Output = Json("""{"approved_by": "{{ steps.wait.output.by }}"}""");
            await first.Workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = child }).ResponseAsync.DefaultTimeout();
            var parent = Define("order", ("approve", new StepDefinition { Workflow = new SubWorkflowStep { Id = "approval" } }));
            parentId = (await first.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = parent }).ResponseAsync.DefaultTimeout()).ExecutionId;
            string? seen = null;
            await AsyncTestHelpers.WaitUntilAsync(
                async () => (seen = (await first.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = parentId }).ResponseAsync).Execution.Steps[0].ChildExecutionId) is { Length: > 0 }
                    && (await first.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = seen }).ResponseAsync).Execution.Steps[0].State == StepState.Suspended,
                "the child waits for its signal");
            childId = seen!;
        }

        await using var second = await TestOrchestrator.StartAsync(SqliteSettings);
        await second.Workflows.SignalExecutionAsync(new SignalExecutionRequest { ExecutionId = childId, Name = "go", Payload = Json("""{"by": "ada"}""") }).ResponseAsync.DefaultTimeout();
        var parentEvents = await second.Workflows.WatchToEndAsync(parentId);
        var finished = (await second.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = parentId }).ResponseAsync.DefaultTimeout()).Execution;
        var children = await second.Workflows.ListExecutionsAsync(new ListExecutionsRequest { WorkflowId = "approval" }).ResponseAsync.DefaultTimeout();

        Assert.Equal(ExecutionState.Succeeded, parentEvents.FinalState());
        Assert.Equal("ada", finished.Steps[0].Output.Fields["approved_by"].StringValue);
        Assert.Equal(childId, finished.Steps[0].ChildExecutionId);
        Assert.Equal([childId], children.Executions.Select(e => e.ExecutionId));
        Assert.Single(parentEvents, e => e.KindCase == ExecutionEvent.KindOneofCase.ChildStarted);
    }
}
