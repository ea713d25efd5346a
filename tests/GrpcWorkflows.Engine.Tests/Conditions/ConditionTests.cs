using GrpcWorkflows.Engine.Conditions;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Conditions;

/// <summary>The condition language: what it accepts, what it gives, and what it refuses.</summary>
public sealed class ConditionTests
{
    private static readonly string[] Steps = ["a", "fetch.v2", "my-step"];

    private static bool Eval(string text, string input = "{}", Dictionary<string, string>? outputs = null)
    {
        var condition = Condition.Parse(text, Steps.Contains);
        var parsed = outputs?.ToDictionary(p => p.Key, p => Json(p.Value));
        return condition.Evaluate(new ConditionScope(Json(input), id => parsed is not null && parsed.TryGetValue(id, out var o) ? o : null));
    }

    [Theory]
    [InlineData("workflow.input.n > 2 && workflow.input.n <= 3", true)]
    [InlineData("workflow.input.name == 'ada' || false", true)]
    [InlineData("!(workflow.input.n == 3)", false)]
    [InlineData("workflow.input.n * 2 + 1 == 7 && 7 % 4 == 3 && -workflow.input.n < 0", true)]
    [InlineData("'x' in workflow.input.tags && !('z' in workflow.input.tags)", true)]
    [InlineData("'name' in workflow.input", true)]
    [InlineData("size(workflow.input.tags) == 2 && size(workflow.input.name) == 3", true)]
    [InlineData("workflow.input.tags[1] == 'y' && workflow.input['name'] == \"ada\"", true)]
    [InlineData("contains(workflow.input.name, 'd') && startsWith(workflow.input.name, 'a') && endsWith(workflow.input.name, 'a')", true)]
    [InlineData("workflow.input.missing == null && workflow.input.missing.deeper == null", true)]
    [InlineData("workflow.input.missing", false)]
    [InlineData("workflow.input.n > 2 ? workflow.input.name == 'ada' : false", true)]
    [InlineData("workflow.input.name + '!' == 'ada!' && [1, 2] + [3] == [1, 2, 3]", true)]
    public void Evaluate_OverTheWorkflowInput(string text, bool expected)
    {
        Assert.Equal(expected, Eval(text, """{"n": 3, "name": "ada", "tags": ["x", "y"]}"""));
    }

    [Fact]
    public void Evaluate_StepOutputs_IdsWithDotsAndDashes_AbsentOutputReadsAsNull()
    {
        var outputs = new Dictionary<string, string> { ["fetch.v2"] = """{"status": 200}""", ["my-step"] = """{"n": 5}""" };

        Assert.True(Eval("steps.fetch.v2.output.status == 200 && steps.my-step.output.n-1 == 4", outputs: outputs));
        Assert.True(Eval("steps.a.output == null && steps.a.output.x == null", outputs: outputs));
        Assert.Equal(["fetch.v2", "my-step"], Condition.Parse("steps.fetch.v2.output.status == steps.my-step.output.n", Steps.Contains).StepReferences);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("workflow.input.n ==", "ends where a value was expected")]
    [InlineData("input.n == 1", "unknown name 'input'")]
    [InlineData("steps.nope.output.x", "steps.<id>.output")]
    [InlineData("workflow.output", "workflow.input")]
    [InlineData("size(1, 2)", "size() takes 1 argument")]
    [InlineData("'open", "not closed")]
    [InlineData("(1 == 1", "expected ')'")]
    [InlineData("1 == 1 1", "unexpected '1'")]
    public void Parse_Malformed_SaysWhereAndWhy(string text, string expected)
    {
        var error = Assert.Throws<ConditionException>(() => Condition.Parse(text, Steps.Contains));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooLongOrTooDeep_IsRefused()
    {
        Assert.Contains("limit is 1024", Assert.Throws<ConditionException>(() => Condition.Parse(new string(' ', 1025), Steps.Contains)).Message, StringComparison.Ordinal);
        var deep = new string('(', 40) + "true" + new string(')', 40);
        Assert.Contains("nested more than 32", Assert.Throws<ConditionException>(() => Condition.Parse(deep, Steps.Contains)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("workflow.input.n + 'x' == 1", "'+' needs numbers")]
    [InlineData("workflow.input.n < 'x'", "compares two numbers or two strings")]
    [InlineData("workflow.input.n / 0 == 1", "division by zero")]
    [InlineData("workflow.input.n", "not true or false")]
    [InlineData("workflow.input.n && true", "'&&' needs true or false")]
    [InlineData("1 in workflow.input.n", "'in' needs a list or an object")]
    public void Evaluate_WrongTypes_Throw(string text, string expected)
    {
        var error = Assert.Throws<ConditionException>(() => Eval(text, """{"n": 3}"""));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ShortCircuits_TheRightSideIsNotEvaluated()
    {
        Assert.False(Eval("false && workflow.input.n / 0 == 1", """{"n": 3}"""));
        Assert.True(Eval("true || workflow.input.n / 0 == 1", """{"n": 3}"""));
    }

    [Fact]
    public void Evaluate_NumbersCompareAsJsonNumbers()
    {
        Assert.True(Eval("workflow.input.x == 1.5 && workflow.input.i == 2", """{"x": 1.5, "i": 2.0}"""));
    }
}
