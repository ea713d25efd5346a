using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>
/// Parents whose <c>workflow</c> steps are starting their children when the orchestrator is SIGKILLed: after the
/// restart each parent has exactly one child (the child's idempotency key is parent/step/run) and every parent
/// finishes. Built-in sleeps only: no executor takes part.
/// </summary>
public sealed class SubWorkflowRecoveryTests : IDisposable
{
    private const int Parents = 24;

    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-subworkflow-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A child process still holds a file: the OS cleans the temp folder.
        }
    }

    [Fact]
    public async Task Orchestrator_KilledWhileParentsStartTheirChildren_EachParentHasExactlyOneChildAndSucceeds()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        var orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl: null);
        var parentIds = new List<string>();
        try
        {
            var child = new WorkflowDefinition { Id = "child", Steps = { ["nap"] = new StepDefinition { Sleep = new SleepStep { Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(200)) } } } };
            await orchestrator.Client.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = child }).ResponseAsync.DefaultTimeout();
            var parent = new WorkflowDefinition
            {
                Id = "parent",
                Steps =
                {
                    ["sub"] = new StepDefinition { Workflow = new SubWorkflowStep { Id = "child" } },
                    ["after"] = new StepDefinition { Sleep = new SleepStep { Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(10)) }, DependsOn = { "sub" } },
                },
            };

            var submits = Enumerable.Range(0, Parents).Select(_ => orchestrator.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = parent }).ResponseAsync);
            parentIds.AddRange((await Task.WhenAll(submits).DefaultTimeout()).Select(r => r.ExecutionId));

            // Kill as soon as the first child exists: the other parents are starting theirs, or about to.
            await AsyncTestHelpers.WaitUntilAsync(async () => (await ChildrenAsync(orchestrator)).Count > 0, "a child execution exists", TimeSpan.FromSeconds(60));
            orchestrator.Process.Kill();
            await orchestrator.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
            orchestrator.Dispose();
            orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl: null);

            await AsyncTestHelpers.WaitUntilAsync(
                async () =>
                {
                    foreach (var id in parentIds)
                    {
                        if ((await orchestrator.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }).ResponseAsync.DefaultTimeout()).Execution.State != ExecutionState.Succeeded)
                        {
                            return false;
                        }
                    }

                    return true;
                },
                "every parent succeeded after the restart",
                TimeSpan.FromSeconds(120));

            var childrenByParent = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var childId in await ChildrenAsync(orchestrator))
            {
                var execution = (await orchestrator.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = childId }).ResponseAsync.DefaultTimeout()).Execution;
                Assert.Equal(ExecutionState.Succeeded, execution.State);
                Assert.Equal("sub", execution.ParentStepId);
                (childrenByParent.TryGetValue(execution.ParentExecutionId, out var list) ? list : childrenByParent[execution.ParentExecutionId] = []).Add(childId);
            }

            Assert.Equal(parentIds.Order(StringComparer.Ordinal), childrenByParent.Keys.Order(StringComparer.Ordinal));
            Assert.All(childrenByParent, pair => Assert.True(pair.Value.Count == 1, $"parent {pair.Key} has {pair.Value.Count} children: {string.Join(", ", pair.Value)}"));
        }
        finally
        {
            orchestrator.Dispose();
        }
    }

    /// <summary>The ids of every execution of the workflow <c>child</c>.</summary>
    private static async Task<List<string>> ChildrenAsync(OrchestratorProcess orchestrator)
    {
        var ids = new List<string>();
        var token = "";
        do
        {
            var page = await orchestrator.Client.ListExecutionsAsync(new ListExecutionsRequest { WorkflowId = "child", PageSize = 100, PageToken = token }).ResponseAsync.DefaultTimeout();
            ids.AddRange(page.Executions.Select(e => e.ExecutionId));
            token = page.NextPageToken;
        }
        while (!string.IsNullOrEmpty(token));

        return ids;
    }
}
