using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Contracts.Tests;

/// <summary>The seed's JSON workflows parse verbatim into the proto contract.</summary>
public sealed class SeedExamplesTests
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    private static WorkflowDefinition Load(string name)
        => Parser.Parse<WorkflowDefinition>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "examples", name)));

    [Fact]
    public void Parse_SimpleWorkflow_HasBothStepsWithTheirInputs()
    {
        var definition = Load("simple_workflow.json");

        Assert.Equal("simple_workflow", definition.Id);
        Assert.Equal(["collect_data", "process_data"], definition.Steps.Keys.Order());

        var collect = definition.Steps["collect_data"];
        Assert.Equal("input", collect.Type);
        Assert.Empty(collect.DependsOn);
        Assert.Equal("hello", collect.Input.Fields["data"].StructValue.Fields["message"].StringValue);

        var process = definition.Steps["process_data"];
        Assert.Equal("process", process.Type);
        Assert.Equal(["collect_data"], process.DependsOn);
        var rule = Assert.Single(process.Input.Fields["rules"].ListValue.Values).StructValue;
        Assert.Equal("transform", rule.Fields["type"].StringValue);
        Assert.Equal("message", rule.Fields["field"].StringValue);
        Assert.Equal("uppercase", rule.Fields["operation"].StringValue);
        Assert.False(process.HasMaxRetries);
    }

    [Fact]
    public void Parse_ParallelWorkflow_HasSixStepsAndTheirDependencies()
    {
        var definition = Load("parallel_workflow.json");

        Assert.Equal("parallel_workflow", definition.Id);
        Assert.Equal(6, definition.Steps.Count);
        Assert.Equal(1, definition.Steps["input_a"].Input.Fields["data"].StructValue.Fields["value"].NumberValue);
        Assert.Equal(2, definition.Steps["input_b"].Input.Fields["data"].StructValue.Fields["value"].NumberValue);
        Assert.Equal(["input_a"], definition.Steps["process_a"].DependsOn);
        Assert.Equal(["input_b"], definition.Steps["process_b"].DependsOn);
        Assert.Null(definition.Steps["process_a"].Input);
        Assert.Equal(["process_a", "process_b"], definition.Steps["ai_analysis"].DependsOn);
        Assert.Equal("Analyze data", definition.Steps["ai_analysis"].Input.Fields["prompt"].StringValue);
        Assert.Equal(["ai_analysis"], definition.Steps["output"].DependsOn);
        Assert.Equal("output", definition.Steps["output"].Type);
    }

    [Fact]
    public void Parse_StepOptions_AcceptsSnakeAndCamelCaseAndDurations()
    {
        const string json = """
            {"id": "w", "steps": {"a": {"type": "t", "max_retries": 2, "timeout": "1.5s", "continueOnFailure": true,
              "retry_policy": {"max_attempts": 4, "initial_backoff": "0.2s", "backoff_multiplier": 3, "non_retryable_codes": ["NOT_FOUND"]}}}}
            """;

        var step = Parser.Parse<WorkflowDefinition>(json).Steps["a"];

        Assert.Equal(2, step.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(1.5), step.Timeout.ToTimeSpan());
        Assert.True(step.ContinueOnFailure);
        Assert.Equal(4, step.RetryPolicy.MaxAttempts);
        Assert.Equal(Duration.FromTimeSpan(TimeSpan.FromMilliseconds(200)), step.RetryPolicy.InitialBackoff);
        Assert.Equal(3, step.RetryPolicy.BackoffMultiplier);
        Assert.Equal(["NOT_FOUND"], step.RetryPolicy.NonRetryableCodes);
    }

    [Fact]
    public void Parse_UnknownField_IsRejectedWithItsName()
    {
        var error = Assert.Throws<InvalidProtocolBufferException>(
            () => Parser.Parse<WorkflowDefinition>("""{"id": "w", "steps": {"a": {"type": "t", "dependz": []}}}"""));

        Assert.Contains("dependz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExecutionEvent_RoundTripsThroughJson_KeepingSequenceAndKind()
    {
        var ev = new ExecutionEvent
        {
            ExecutionId = "e1",
            Sequence = 7,
            Time = Timestamp.FromDateTime(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
            AttemptFailed = new StepAttemptFailed
            {
                StepId = "a",
                Attempt = 2,
                WillRetry = true,
                RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
                Error = new StepError { Code = "UNAVAILABLE", Message = "down", Retryable = true },
            },
        };

        var parsed = ExecutionEvent.Parser.ParseJson(JsonFormatter.Default.Format(ev));

        Assert.Equal(ev, parsed);
        Assert.Equal(ExecutionEvent.KindOneofCase.AttemptFailed, parsed.KindCase);
    }
}
