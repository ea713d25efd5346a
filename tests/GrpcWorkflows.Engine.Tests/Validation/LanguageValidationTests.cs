using GrpcWorkflows.Client.Definitions;
using GrpcWorkflows.Engine.Validation;

namespace GrpcWorkflows.Engine.Tests.Validation;

/// <summary>The language's rules (conditions, triggers, waits, the execution timeout): field paths and messages.</summary>
public sealed class LanguageValidationTests
{
    internal static WorkflowValidationResult Validate(string json, IStepTypeCatalog? catalog = null)
        => new WorkflowDefinitionValidator(new EngineOptions(), catalog).Validate(WorkflowDefinitionLoader.FromJson(json));

    internal static void AssertProblem(WorkflowValidationResult result, string field, string containing)
    {
        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.Field == field && p.Description.Contains(containing, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EveryNewField_IsAcceptedInTheJsonFormat()
    {
        var result = Validate("""
            {"id": "w", "timeout": "3600s", "steps": {
              "a": {"type": "work", "input": {}},
              "high": {"type": "work", "depends_on": ["a"], "when": "steps.a.output.score >= 50"},
              "low": {"type": "work", "depends_on": ["a"], "when": "steps.a.output.score < 50"},
              "join": {"type": "work", "depends_on": ["high", "low"], "trigger": "none_failed"},
              "nap": {"sleep": {"duration": "30s"}, "depends_on": ["join"]},
              "approve": {"type": "wait_for_signal", "depends_on": ["nap"],
                          "wait_for_signal": {"name": "approval", "timeout": "86400s",
                                              "schema": {"type": "object", "required": ["approved"]}}}}}
            """, new Catalog("work"));

        Assert.True(result.IsValid, result.Describe());
    }

    [Fact]
    public void Validate_MalformedCondition_IsReportedAtItsField()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "when": "workflow.input.x =="}}}"""), "steps.a.when", "the condition 'workflow.input.x ==' is not valid: at position");

    [Fact]
    public void Validate_ConditionReadingAStepThatIsNotAnAncestor_IsReported()
        => AssertProblem(
            Validate("""{"id": "w", "steps": {"a": {"type": "t"}, "b": {"type": "t", "when": "steps.a.output.ok"}}}"""),
            "steps.b.when",
            "references step 'a', which is not an ancestor of step 'b'");

    [Fact]
    public void Validate_UnknownTrigger_ListsTheAcceptedOnes()
        => AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "trigger": "any"}}}"""), "steps.a.trigger", "trigger 'any' is unknown; use one of all_succeeded, all_done, none_failed, one_succeeded");

    [Fact]
    public void Validate_SleepWithoutOrWithBothTimes_IsReported()
    {
        AssertProblem(Validate("""{"id": "w", "steps": {"a": {"sleep": {}}}}"""), "steps.a.sleep", "exactly one of duration and until");
        AssertProblem(Validate("""{"id": "w", "steps": {"a": {"sleep": {"duration": "1s", "until": "2030-01-01T00:00:00Z"}}}}"""), "steps.a.sleep", "exactly one of duration and until");
    }

    [Fact]
    public void Validate_WaitWithABadNameSchemaOrType_IsReported()
    {
        var result = Validate("""{"id": "w", "steps": {"a": {"type": "work", "wait_for_signal": {"name": "no spaces", "schema": {"type": 12}}}}}""");

        AssertProblem(result, "steps.a.type", "its type must be empty or 'wait_for_signal', not 'work'");
        AssertProblem(result, "steps.a.wait_for_signal.name", "use only the characters");
        AssertProblem(result, "steps.a.wait_for_signal.schema", "the payload schema is not a JSON Schema");
    }

    [Fact]
    public void Validate_ExecutionTimeoutNotPositive_IsReported()
        => AssertProblem(Validate("""{"id": "w", "timeout": "0s", "steps": {"a": {"type": "t"}}}"""), "timeout", "it must be more than zero");

    [Fact]
    public void Validate_BuiltInWaits_NeedNoExecutor()
        => Assert.True(Validate("""{"id": "w", "steps": {"a": {"sleep": {"duration": "1s"}}, "b": {"wait_for_signal": {"name": "go"}}}}""", new Catalog()).IsValid);

    private sealed class Catalog(params string[] served) : IStepTypeCatalog
    {
        public bool IsServed(string stepType) => served.Contains(stepType);
    }
}
