using static GrpcWorkflows.Engine.Tests.Validation.LanguageValidationTests;

namespace GrpcWorkflows.Engine.Tests.Validation;

/// <summary>The rules of <c>for_each</c>: field paths and messages.</summary>
public sealed class ForEachValidationTests
{
    [Fact]
    public void Validate_ForEachOverAnUpstreamOutputAndTheInput_IsAcceptedInTheJsonFormat()
    {
        var result = Validate("""
            {"id": "w", "steps": {
              "list": {"type": "t"},
              "each": {"type": "t", "depends_on": ["list"], "input": {"file": "{{ item.name }}", "n": "{{ item_index }}"},
                       "for_each": {"items": "{{ steps.list.output.files }}", "max_parallel": 4}},
              "ids": {"type": "t", "input": {"id": "{{ item }}"}, "for_each": {"items": "{{ workflow.input.ids }}"}}}}
            """);

        Assert.True(result.IsValid, result.Describe());
    }

    [Fact]
    public void Validate_ForEachOverAStepNotInDependsOn_IsReported()
        => AssertProblem(
            Validate("""{"id": "w", "steps": {"a": {"type": "t"}, "b": {"type": "t", "for_each": {"items": "{{ steps.a.output.x }}"}}}}"""),
            "steps.b.for_each.items",
            "references step 'a', which is not in the depends_on of step 'b': add it there");

    [Fact]
    public void Validate_ForEachThatIsNotOneReference_IsReported()
    {
        AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "for_each": {"items": "x {{ workflow.input.ids }}"}}}}"""), "steps.a.for_each.items", "is not a single reference");
        AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "for_each": {}}}}"""), "steps.a.for_each.items", "for_each.items is empty");
        AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "for_each": {"items": "{{ secrets.k }}"}}}}"""), "steps.a.for_each.items", "cannot be fanned out over");
        AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "for_each": {"items": "{{ steps.nope.output.x }}"}}}}"""), "steps.a.for_each.items", "which does not exist");
    }

    [Fact]
    public void Validate_MaxParallelOutOfBounds_IsReported()
    {
        AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "for_each": {"items": "{{ workflow.input.x }}", "max_parallel": -1}}}}"""), "steps.a.for_each.max_parallel", "must be between 0 (no limit of its own) and 10000");
        AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "for_each": {"items": "{{ workflow.input.x }}", "max_parallel": 10001}}}}"""), "steps.a.for_each.max_parallel", "WorkflowLimits.MaxForEachItems");
    }

    [Fact]
    public void Validate_ItemOutsideAForEachStep_IsReportedAtItsField()
    {
        AssertProblem(Validate("""{"id": "w", "steps": {"a": {"type": "t", "input": {"x": ["{{ item.name }}"]}}}}"""), "steps.a.input.x[0]", "step 'a' has no for_each");
        AssertProblem(Validate("""{"id": "w", "output": {"n": "{{ item_index }}"}, "steps": {"a": {"type": "t"}}}"""), "output.n", "only the input of a step with for_each has an item");
    }

    [Fact]
    public void Validate_ForEachOnASleep_IsReported()
        => AssertProblem(
            Validate("""{"id": "w", "steps": {"a": {"sleep": {"duration": "1s"}, "for_each": {"items": "{{ workflow.input.x }}"}}}}"""),
            "steps.a.for_each",
            "a sleep or a wait for a signal cannot have one");
}
