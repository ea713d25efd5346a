using GrpcWorkflows.Client.Definitions;
using GrpcWorkflows.Engine.Validation;

namespace GrpcWorkflows.Engine.Tests.Validation;

/// <summary>The rules of concurrency keys, rate limits and priorities, with field paths.</summary>
public sealed class FlowValidationTests
{
    private static WorkflowValidationResult Validate(string json)
        => new WorkflowDefinitionValidator(new EngineOptions(), null).Validate(WorkflowDefinitionLoader.FromJson(json));

    private static void AssertProblem(string json, string field, string description)
    {
        var result = Validate(json);
        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.Field == field && p.Description == description);
    }

    [Fact]
    public void Validate_EveryFlowControlField_IsAccepted()
        => Assert.True(Validate("""
            {"id": "w", "priority": 2, "concurrency": {"key": "{{ workflow.input.tenant }}", "max": 3, "strategy": "cancel_new"},
             "steps": {"a": {"type": "t", "priority": -1, "concurrency": {"key": "db", "max": 2},
                             "rate_limit": {"key": "api-{{ workflow.input.tenant }}", "limit": 10, "period": "1s"}}}}
            """).IsValid);

    [Fact]
    public void Validate_ConcurrencyMaxOutOfRange_IsReportedWithItsPath()
        => AssertProblem("""{"id": "w", "steps": {"a": {"type": "t", "concurrency": {"key": "k", "max": 0}}}}""", "steps.a.concurrency.max", "max is 0; it must be between 1 and 10000 (WorkflowLimits.MaxConcurrency)");

    [Fact]
    public void Validate_CancelStrategyOnAStep_IsReported()
        => AssertProblem("""{"id": "w", "steps": {"a": {"type": "t", "concurrency": {"key": "k", "max": 1, "strategy": "cancel_new"}}}}""", "steps.a.concurrency.strategy", "strategy 'cancel_new' applies to a workflow's concurrency only; a step's concurrency queues (strategy 'queue')");

    [Fact]
    public void Validate_UnknownStrategy_IsReported()
        => AssertProblem("""{"id": "w", "concurrency": {"max": 1, "strategy": "drop"}, "steps": {"a": {"type": "t"}}}""", "concurrency.strategy", "strategy 'drop' is unknown; use one of queue, cancel_in_progress, cancel_new");

    [Fact]
    public void Validate_KeyReferencingAStep_IsReported()
        => AssertProblem("""{"id": "w", "steps": {"a": {"type": "t"}, "b": {"type": "t", "depends_on": ["a"], "concurrency": {"key": "{{ secrets.x }}", "max": 1}}}}""", "steps.b.concurrency.key", "'{{ secrets.x }}': a key may only reference the workflow input ('{{ workflow.input.<path> }}'); it is resolved when the execution is submitted");

    [Fact]
    public void Validate_RateLimitWithoutPeriod_IsReported()
        => AssertProblem("""{"id": "w", "steps": {"a": {"type": "t", "rate_limit": {"limit": 5}}}}""", "steps.a.rate_limit.period", "a rate limit needs a period, for example \"1s\"");

    [Fact]
    public void Validate_PriorityOutOfRange_IsReported()
        => AssertProblem("""{"id": "w", "priority": 5000, "steps": {"a": {"type": "t"}}}""", "priority", "priority is 5000; it must be between -1000 and 1000");

    [Fact]
    public void Validate_FlowControlOnASleep_IsReported()
        => AssertProblem("""{"id": "w", "steps": {"a": {"sleep": {"duration": "1s"}, "concurrency": {"key": "k", "max": 1}}}}""", "steps.a.concurrency", "flow control applies to steps run by an executor; a sleep, a wait for a signal or a sub-workflow step cannot have it");
}
