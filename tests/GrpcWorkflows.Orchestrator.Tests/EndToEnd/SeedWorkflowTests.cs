using GrpcWorkflows.Client.Definitions;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Tests.EndToEnd;

/// <summary>
/// The seed's two example workflows, their step types served by the test executor's <c>echo</c>
/// (which returns its input plus every dependency output it received), so the data flow between
/// steps is visible in the final outputs.
/// </summary>
public sealed class SeedWorkflowTests
{
    [Fact]
    public async Task SimpleWorkflow_EchoExecutor_SucceedsAndPassesCollectedDataToProcess()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var definition = Retyped(Path.Combine(AppContext.BaseDirectory, "examples", "simple_workflow.json"));

        var execution = await orchestrator.Workflows.RunToEndAsync(definition);

        Assert.Equal(ExecutionState.Succeeded, execution.State);
        var process = execution.Steps.Single(s => s.StepId == "process_data");
        Assert.Equal(StepState.Succeeded, process.State);
        var received = process.Output.Fields["dependencies"].StructValue.Fields["collect_data"].StructValue;
        Assert.Equal("hello", received.Fields["data"].StructValue.Fields["message"].StringValue);
        Assert.Equal("uppercase", process.Output.Fields["rules"].ListValue.Values[0].StructValue.Fields["operation"].StringValue);
    }

    [Fact]
    public async Task ParallelWorkflow_EchoExecutor_SucceedsWithBothBranchesReachingTheOutput()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var definition = Retyped(Path.Combine(AppContext.BaseDirectory, "examples", "parallel_workflow.json"));

        var plan = (await orchestrator.Workflows.ValidateWorkflowAsync(new ValidateWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout()).Plan;
        var execution = await orchestrator.Workflows.RunToEndAsync(definition);

        Assert.Equal(ExecutionState.Succeeded, execution.State);
        Assert.Equal(2, plan.MaxWidth);
        Assert.Equal(["input_a", "input_b"], plan.Levels[0].StepIds.Order());
        Assert.All(execution.Steps, s => Assert.Equal(StepState.Succeeded, s.State));
        var ai = execution.Steps.Single(s => s.StepId == "output").Output.Fields["dependencies"].StructValue.Fields["ai_analysis"].StructValue;
        Assert.Equal("Analyze data", ai.Fields["prompt"].StringValue);
        var branches = ai.Fields["dependencies"].StructValue.Fields;
        Assert.Equal(1, Dig(branches["process_a"].StructValue, "input_a").Fields["data"].StructValue.Fields["value"].NumberValue);
        Assert.Equal(2, Dig(branches["process_b"].StructValue, "input_b").Fields["data"].StructValue.Fields["value"].NumberValue);
    }

    private static Google.Protobuf.WellKnownTypes.Struct Dig(Google.Protobuf.WellKnownTypes.Struct output, string dependency)
        => output.Fields["dependencies"].StructValue.Fields[dependency].StructValue;

    private static WorkflowDefinition Retyped(string path)
    {
        var definition = WorkflowDefinitionLoader.FromFile(path);
        foreach (var step in definition.Steps.Values)
        {
            step.Type = "echo";
        }

        return definition;
    }
}
