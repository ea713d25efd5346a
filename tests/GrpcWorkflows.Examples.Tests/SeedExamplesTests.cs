using GrpcWorkflows.Client.Definitions;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Examples.Tests;

/// <summary>The seed document's two workflows, verbatim from examples/, run end to end on the real executors.</summary>
public sealed class SeedExamplesTests(LocalStackFixture fixture) : IClassFixture<LocalStackFixture>
{
    private ProductStack Stack => fixture.Stack;

    [Fact]
    public async Task SimpleWorkflow_RunsEndToEnd_ProcessDataYieldsUppercasedMessage()
    {
        var definition = WorkflowDefinitionLoader.FromFile(Path.Combine(RepositoryPaths.Examples, "simple_workflow.json"));

        var execution = await Stack.RunAsync(definition);

        Assert.True(execution.State == ExecutionState.Succeeded, Stack.Logs);
        var collect = execution.Steps.Single(s => s.StepId == "collect_data");
        Assert.Equal("hello", collect.Output.Fields["message"].StringValue);
        var process = execution.Steps.Single(s => s.StepId == "process_data");
        Assert.Equal(StepState.Succeeded, process.State);
        Assert.Equal("HELLO", process.Output.Fields["message"].StringValue);
        Assert.Equal(1, process.Attempts);
    }

    [Fact]
    public async Task ParallelWorkflow_RunsEndToEnd_BranchesFlowIntoLocalAnalysisAndOutput()
    {
        var definition = WorkflowDefinitionLoader.FromFile(Path.Combine(RepositoryPaths.Examples, "parallel_workflow.json"));

        var execution = await Stack.RunAsync(definition);

        Assert.True(execution.State == ExecutionState.Succeeded, Stack.Logs);
        var steps = execution.Steps.ToDictionary(s => s.StepId);
        Assert.All(steps.Values, s => Assert.Equal(StepState.Succeeded, s.State));
        Assert.Equal(1, steps["process_a"].Output.Fields["value"].NumberValue);
        Assert.Equal(2, steps["process_b"].Output.Fields["value"].NumberValue);

        // Event-driven: the analysis started only after both branches succeeded.
        Assert.True(steps["ai_analysis"].StartTime.ToDateTime() >= steps["process_a"].EndTime.ToDateTime());
        Assert.True(steps["ai_analysis"].StartTime.ToDateTime() >= steps["process_b"].EndTime.ToDateTime());

        var analysis = steps["ai_analysis"].Output;
        Assert.Equal("local", analysis.Fields["provider"].StringValue);
        Assert.Equal("analyze", analysis.Fields["task"].StringValue);
        Assert.Contains("\"value\"", analysis.ToString(), StringComparison.Ordinal);

        Assert.NotNull(steps["output"].Output);
        Assert.NotNull(execution.Result);
        Assert.NotEmpty(execution.Result.Fields);
    }
}
