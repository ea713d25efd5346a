using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.StateMachine;

/// <summary>The workflow-level <c>output</c>: validated with field paths, resolved like a step input at finish.</summary>
public sealed class DeclaredOutputTests
{
    [Fact]
    public void Finish_DeclaredOutput_ResolvesReferencesToAnyStepAndTheWorkflowInput()
    {
        var definition = Define(S("a"), S("b", "a"), S("out", "b"));
        definition.Steps["out"].Type = "output";
        definition.Output = Json("""{"first": "{{ steps.a.output.v }}", "who": "{{ workflow.input.who }}", "text": "a={{ steps.a.output.v }}"}""");
        var m = new MachineFixture(definition, Json("""{"who": "ada"}"""));
        m.Machine.Start(m.Now);
        m.Take();
        m.Run("a", StepAttemptResult.Success(Json("""{"v": 7}""")));
        m.Run("b", StepAttemptResult.Success(Json("{}")));

        var (events, _) = m.Run("out", StepAttemptResult.Success(Json("""{"result": {"ignored": true}}""")));

        var finished = events[^1].Finished;
        Assert.Equal(ExecutionState.Succeeded, finished.State);
        Assert.Equal("""{ "first": 7, "who": "ada", "text": "a=7" }""", finished.Result.ToString());
    }

    [Fact]
    public void Finish_DeclaredOutputMissingAtRunTime_FailsTheExecutionNamingTheField()
    {
        var definition = Define(S("a"));
        definition.Output = Json("""{"total": "{{ steps.a.output.count }}"}""");
        var m = new MachineFixture(definition);
        m.Machine.Start(m.Now);
        m.Take();

        var (events, _) = m.Run("a", StepAttemptResult.Success(Json("""{"other": 1}""")));

        var finished = events[^1].Finished;
        Assert.Equal(ExecutionState.Failed, finished.State);
        Assert.Equal("INVALID_ARGUMENT", finished.Error.Code);
        Assert.Contains("output.total", finished.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Finish_NoDeclaredOutput_KeepsTheSeedDefaultOfMergedOutputStepResults()
    {
        var definition = Define(S("a"), S("out", "a"));
        definition.Steps["out"].Type = "output";
        var m = new MachineFixture(definition);
        m.Machine.Start(m.Now);
        m.Take();
        m.Run("a", StepAttemptResult.Success(Json("""{"v": 1}""")));

        var (events, _) = m.Run("out", StepAttemptResult.Success(Json("""{"result": {"answer": 42}}""")));

        Assert.Equal("""{ "answer": 42 }""", events[^1].Finished.Result.ToString());
    }

    [Fact]
    public void Validate_DeclaredOutputReferencingUnknownStepOrBadSyntax_ReportsEachWithItsFieldPath()
    {
        var definition = Define(S("a"));
        definition.Output = Json("""{"x": "{{ steps.ghost.output.v }}", "nested": {"y": "{{ steps.a.output }"}}""");

        var result = new WorkflowDefinitionValidator().Validate(definition);

        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.Field == "output.x" && p.Description.Contains("'ghost'", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.Field == "output.nested.y");
    }
}
