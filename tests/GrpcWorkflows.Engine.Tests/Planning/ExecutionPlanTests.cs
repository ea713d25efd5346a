using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Planning;

public sealed class ExecutionPlanTests
{
    private static ExecutionPlan Plan(WorkflowDefinition definition)
    {
        var result = new WorkflowDefinitionValidator().Validate(definition);
        Assert.True(result.IsValid, result.Describe());
        return result.Plan!;
    }

    [Fact]
    public void Plan_SeedParallelWorkflow_HasLevelsWidthAndCriticalPath()
    {
        var plan = Plan(Define(S("input_a"), S("input_b"), S("process_a", "input_a"), S("process_b", "input_b"), S("ai_analysis", "process_a", "process_b"), S("output", "ai_analysis")));

        Assert.Equal(["input_a", "input_b", "process_a", "process_b", "ai_analysis", "output"], plan.TopologicalOrder);
        Assert.Equal([["input_a", "input_b"], ["process_a", "process_b"], ["ai_analysis"], ["output"]], plan.Levels.Select(l => l.StepIds.ToArray()));
        Assert.Equal(2, plan.MaxWidth);
        Assert.Equal(["input_a", "process_a", "ai_analysis", "output"], plan.CriticalPath);
        Assert.Equal(6, plan.StepCount);
        Assert.Equal(5, plan.EdgeCount);
    }

    [Fact]
    public void Plan_TiesInKahn_AreBrokenBySmallestId()
    {
        // z has no dependency but sorts last; b becomes ready after a and must come before z.
        var plan = Plan(Define(S("z"), S("a"), S("b", "a"), S("c", "z")));

        Assert.Equal(["a", "b", "z", "c"], plan.TopologicalOrder);
    }

    [Fact]
    public void Plan_LongestChain_IsTheCriticalPathByCount()
    {
        var plan = Plan(Define(S("a"), S("b", "a"), S("c", "b"), S("d", "a"), S("e", "c", "d")));

        Assert.Equal(["a", "b", "c", "e"], plan.CriticalPath);
        Assert.Equal([["a"], ["b", "d"], ["c"], ["e"]], plan.Levels.Select(l => l.StepIds.ToArray()));
    }

    [Fact]
    public void CriticalPathByWeight_SlowShortBranch_WinsOverFastLongOne()
    {
        var definition = Define(S("a"), S("b", "a"), S("c", "b"), S("slow", "a"), S("end", "c", "slow"));
        var graph = WorkflowGraph.Build(definition);
        var order = WorkflowPlanner.TopologicalOrder(graph, out _)!;
        var weights = graph.Ids.Select(id => id == "slow" ? 10.0 : 1.0).ToArray();

        var (path, weight) = WorkflowPlanner.CriticalPathByWeight(graph, order, weights);

        Assert.Equal(["a", "slow", "end"], path.Select(i => graph.Ids[i]));
        Assert.Equal(12.0, weight);
    }

    [Fact]
    public void Plan_IsDeterministic_WhateverTheDeclarationOrder()
    {
        var forward = Plan(Define(S("a"), S("b", "a"), S("c", "a"), S("d", "b", "c")));
        var backward = Plan(Define(S("d", "c", "b"), S("c", "a"), S("b", "a"), S("a")));

        Assert.Equal(forward, backward);
    }
}
