using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Client.Definitions;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Validation;

/// <summary>One test per validation rule: the field path and the message.</summary>
public sealed class WorkflowValidationTests
{
    private static WorkflowValidationResult Validate(WorkflowDefinition definition, Action<EngineOptions>? configure = null, IStepTypeCatalog? catalog = null)
    {
        var options = new EngineOptions();
        configure?.Invoke(options);
        return new WorkflowDefinitionValidator(options, catalog).Validate(definition);
    }

    private static WorkflowValidationResult Validate(string json, Action<EngineOptions>? configure = null)
        => Validate(WorkflowDefinitionLoader.FromJson(json), configure);

    private static void AssertProblem(WorkflowValidationResult result, string field, string description)
    {
        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.Field == field && p.Description == description);
    }

    [Fact]
    public void Validate_SeedExample_IsValidWithPlan()
    {
        var result = Validate(WorkflowDefinitionLoader.FromFile(Path.Combine(AppContext.BaseDirectory, "examples", "parallel_workflow.json")));

        Assert.True(result.IsValid);
        Assert.Empty(result.Problems);
        Assert.Equal(2, result.Plan!.MaxWidth);
        Assert.Equal(4, result.Plan.Levels.Count);
    }

    [Fact]
    public void Validate_EmptyWorkflowId_IsReported()
        => AssertProblem(Validate("""{"id": "", "steps": {"a": {"type": "t"}}}"""), "id", "the workflow id is empty");

    [Fact]
    public void Validate_NoSteps_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {}}"""), "steps", "the workflow has no step");

    [Fact]
    public void Validate_EmptyStepId_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"": {"type": "t"}}}"""), "steps", "a step id is empty");

    [Fact]
    public void Validate_StepIdTooLong_IsReported()
    {
        var id = new string('x', 129);
        AssertProblem(Validate(Define(S(id))), "steps." + id, $"step id 'xxxxxxxxxxxxxxxx...' is 129 characters long; the limit is 128 (WorkflowLimits.MaxStepIdLength)");
    }

    [Fact]
    public void Validate_StepIdWithForbiddenCharacter_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a b": {"type": "t"}}}"""), "steps.a b", "step id 'a b' contains ' '; step ids use only the characters [A-Za-z0-9_.-]");

    [Fact]
    public void Validate_StepWithoutType_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {}}}"""), "steps.a.type", "step 'a' has no type");

    [Fact]
    public void Validate_UnknownDependency_NamesIt()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t"}, "b": {"type": "t", "depends_on": ["a", "ghost"]}}}"""),
            "steps.b.depends_on[1]", "step 'b' depends on 'ghost', which does not exist");

    [Fact]
    public void Validate_SelfDependency_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "depends_on": ["a"]}}}"""), "steps.a.depends_on[0]", "step 'a' depends on itself");

    [Fact]
    public void Validate_DuplicateDependency_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t"}, "b": {"type": "t", "depends_on": ["a", "a"]}}}"""),
            "steps.b.depends_on[1]", "'a' is listed more than once in the depends_on of step 'b'");

    [Fact]
    public void Validate_Cycle_NamesItsStepsInOrder()
    {
        var result = Validate("""
            {"id": "w", "steps": {
              "a": {"type": "t", "depends_on": ["c"]},
              "b": {"type": "t", "depends_on": ["a"]},
              "c": {"type": "t", "depends_on": ["b"]},
              "d": {"type": "t", "depends_on": ["c"]}}}
            """);

        AssertProblem(result, "steps.a.depends_on", "steps form a cycle: a -> b -> c -> a");
        Assert.Single(result.Problems);
        Assert.Null(result.Plan);
    }

    [Fact]
    public void Validate_TwoCycles_AreBothNamed()
    {
        var result = Validate("""
            {"id": "w", "steps": {
              "a": {"type": "t", "depends_on": ["b"]}, "b": {"type": "t", "depends_on": ["a"]},
              "x": {"type": "t", "depends_on": ["y"]}, "y": {"type": "t", "depends_on": ["x"]}}}
            """);

        Assert.Equal(["steps form a cycle: a -> b -> a", "steps form a cycle: x -> y -> x"], result.Problems.Select(p => p.Description));
    }

    [Fact]
    public void Validate_ReferenceToNonAncestor_IsReported()
        => AssertProblem(Validate("""
            {"id": "w", "steps": {
              "a": {"type": "t"}, "b": {"type": "t"},
              "c": {"type": "t", "depends_on": ["a"], "input": {"x": {"y": ["{{ steps.b.output.value }}"]}}}}}
            """),
            "steps.c.input.x.y[0]",
            "'{{ steps.b.output.value }}' references step 'b', which is not an ancestor of step 'c': add 'b' to its depends_on, directly or through another step");

    [Fact]
    public void Validate_ReferenceToTransitiveAncestor_IsAccepted()
        => Assert.True(Validate("""
            {"id": "w", "steps": {
              "a": {"type": "t"}, "b": {"type": "t", "depends_on": ["a"]},
              "c": {"type": "t", "depends_on": ["b"], "input": {"x": "{{ steps.a.output.value }}"}}}}
            """).IsValid);

    [Fact]
    public void Validate_ReferenceToMissingStep_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "input": {"x": "value {{ steps.nope.output.v }}"}}}}"""),
            "steps.a.input.x", "'{{ steps.nope.output.v }}' references step 'nope', which does not exist");

    [Fact]
    public void Validate_MalformedReference_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "input": {"x": "{{ env.HOME }}"}}}}"""),
            "steps.a.input.x", "'{{ env.HOME }}' is not a reference: use '{{ workflow.input.<path> }}', '{{ steps.<id>.output.<path> }}' or '{{ secrets.<name> }}'");

    [Fact]
    public void Validate_MaxAttemptsOutOfRange_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "retry_policy": {"max_attempts": 0}}}}"""),
            "steps.a.retry_policy.max_attempts", "max_attempts is 0; it must be between 1 and 100");

    [Fact]
    public void Validate_AbsurdMaxAttempts_IsReported()
        => AssertProblem(Validate("""{"id": "w", "default_retry_policy": {"max_attempts": 1000000}, "steps": {"a": {"type": "t"}}}"""),
            "default_retry_policy.max_attempts", "max_attempts is 1000000; it must be between 1 and 100");

    [Fact]
    public void Validate_NegativeBackoff_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "retry_policy": {"initial_backoff": "-1s"}}}}"""),
            "steps.a.retry_policy.initial_backoff", "the duration is -1s; it must be zero or more");

    [Fact]
    public void Validate_ZeroMultiplier_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "retry_policy": {"backoff_multiplier": 0}}}}"""),
            "steps.a.retry_policy.backoff_multiplier", "backoff_multiplier is 0; it must be between 1 and 100");

    [Fact]
    public void Validate_MaxBackoffBelowInitial_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "retry_policy": {"initial_backoff": "10s", "max_backoff": "2s"}}}}"""),
            "steps.a.retry_policy.max_backoff", "max_backoff (2s) is shorter than initial_backoff (10s)");

    [Fact]
    public void Validate_JitterAboveOne_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "retry_policy": {"jitter": 1.5}}}}"""),
            "steps.a.retry_policy.jitter", "jitter is 1.5; it must be between 0 and 1");

    [Fact]
    public void Validate_NegativeMaxRetries_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "max_retries": -1}}}"""),
            "steps.a.max_retries", "max_retries is -1; it must be between 0 and 99");

    [Fact]
    public void Validate_ZeroTimeout_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "timeout": "0s"}}}"""),
            "steps.a.timeout", "the duration is 0s; it must be more than zero");

    [Fact]
    public void Validate_TimeoutAboveADay_IsReported()
        => AssertProblem(Validate("""{"id": "w", "default_timeout": "90000s", "steps": {"a": {"type": "t"}}}"""),
            "default_timeout", "the duration is 90000s; it must be at most 86400s (1 day)");

    [Fact]
    public void Validate_NegativeMaxParallelSteps_IsReported()
        => AssertProblem(Validate("""{"id": "w", "max_parallel_steps": -2, "steps": {"a": {"type": "t"}}}"""),
            "max_parallel_steps", "max_parallel_steps is -2; it must be 0 (no limit) or more");

    [Fact]
    public void Validate_TooManySteps_IsReported()
        => AssertProblem(Validate(Define(S("a"), S("b"), S("c")), o => o.Limits.MaxSteps = 2),
            "steps", "the workflow has 3 steps; the limit is 2 (WorkflowLimits.MaxSteps)");

    [Fact]
    public void Validate_TooManyEdges_IsReported()
        => AssertProblem(Validate(Define(S("a"), S("b", "a"), S("c", "a", "b")), o => o.Limits.MaxEdges = 2),
            "steps", "the workflow has 3 dependency edges; the limit is 2 (WorkflowLimits.MaxEdges)");

    [Fact]
    public void Validate_InputTooDeep_IsReported()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "input": {"x": {"y": {"z": 1}}}}}}""", o => o.Limits.MaxInputDepth = 2),
            "steps.a.input.x.y", "the input is nested more than 2 levels deep (WorkflowLimits.MaxInputDepth)");

    [Fact]
    public void Validate_DefinitionTooLarge_IsReported()
    {
        var definition = Define(S("a"));
        definition.Description = new string('d', 2000);
        AssertProblem(Validate(definition, o => o.Limits.MaxDefinitionBytes = 1000), string.Empty, $"the definition is {definition.CalculateSize()} bytes; the limit is 1000 bytes (WorkflowLimits.MaxDefinitionBytes)");
    }

    [Fact]
    public void Validate_StepInputTooLarge_IsReported()
    {
        var definition = Define(S("a"));
        definition.Steps["a"].Input = new Struct { Fields = { ["blob"] = Value.ForString(new string('b', 500)) } };
        AssertProblem(Validate(definition, o => o.Limits.MaxPayloadBytes = 100), "steps.a.input", $"the input is {definition.Steps["a"].Input.CalculateSize()} bytes; the limit is 100 bytes (WorkflowLimits.MaxPayloadBytes)");
    }

    [Fact]
    public void Validate_UnservedStepType_IsReportedApartFromProblems()
    {
        var definition = Define(S("a"), S("b", "a"));
        definition.Steps["b"].Type = "exotic";

        var result = Validate(definition, catalog: new Catalog("work"));

        Assert.Empty(result.Problems);
        var unserved = Assert.Single(result.UnservedStepTypes);
        Assert.Equal("steps.b.type", unserved.Field);
        Assert.Equal("no executor serves step type 'exotic'", unserved.Description);
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Validate_ManyProblems_AreAllCollected()
    {
        var result = Validate("""
            {"id": "", "steps": {
              "a": {"type": "t", "depends_on": ["a", "zz"], "timeout": "-1s"},
              "b!": {"type": "", "retry_policy": {"jitter": 2}}}}
            """);

        Assert.Equal(7, result.Problems.Count);
    }

    private sealed class Catalog(params string[] served) : IStepTypeCatalog
    {
        public bool IsServed(string stepType) => served.Contains(stepType);
    }
}
