using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>Builds the events of test executions.</summary>
internal static class TestEvents
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static WorkflowDefinition Definition(string workflowId = "wf", int steps = 3)
    {
        var definition = new WorkflowDefinition { Id = workflowId, Description = "test workflow" };
        for (var index = 0; index < steps; index++)
        {
            var step = new StepDefinition { Type = "noop" };
            if (index > 0)
            {
                step.DependsOn.Add($"s{index - 1}");
            }

            definition.Steps.Add($"s{index}", step);
        }

        return definition;
    }

    public static ExecutionEvent Submitted(
        string executionId,
        DateTimeOffset? time = null,
        string workflowId = "wf",
        string? idempotencyKey = null,
        int steps = 3,
        IReadOnlyDictionary<string, string>? labels = null,
        string inNamespace = "")
    {
        var submitted = new ExecutionSubmitted
        {
            Definition = Definition(workflowId, steps),
            Input = new Struct { Fields = { ["n"] = Value.ForNumber(42) } },
            IdempotencyKey = idempotencyKey ?? string.Empty,
            Namespace = inNamespace,
        };
        if (labels is not null)
        {
            foreach (var (key, value) in labels)
            {
                submitted.Labels[key] = value;
            }
        }

        return new ExecutionEvent
        {
            ExecutionId = executionId,
            Sequence = 1,
            Time = Timestamp.FromDateTimeOffset(time ?? Epoch),
            Submitted = submitted,
        };
    }

    public static ExecutionEvent Started(string executionId, long sequence, DateTimeOffset? time = null) =>
        At(executionId, sequence, time, e => e.Started = new ExecutionStarted());

    public static ExecutionEvent Ready(string executionId, long sequence, string stepId) =>
        At(executionId, sequence, null, e => e.StepReady = new StepReady { StepId = stepId });

    public static ExecutionEvent AttemptStarted(string executionId, long sequence, string stepId, int attempt = 1) =>
        At(executionId, sequence, null, e => e.AttemptStarted = new StepAttemptStarted
        {
            StepId = stepId,
            Attempt = attempt,
            IdempotencyKey = $"{executionId}/{stepId}/{attempt}",
        });

    public static ExecutionEvent Succeeded(string executionId, long sequence, string stepId) =>
        At(executionId, sequence, null, e => e.StepSucceeded = new StepSucceeded
        {
            StepId = stepId,
            Attempt = 1,
            Output = new Struct { Fields = { ["step"] = Value.ForString(stepId) } },
        });

    public static ExecutionEvent StepFailed(string executionId, long sequence, string stepId) =>
        At(executionId, sequence, null, e => e.StepFailed = new StepFailed
        {
            StepId = stepId,
            Attempts = 3,
            Error = new StepError { Code = "boom", Message = "it broke" },
        });

    public static ExecutionEvent Retried(string executionId, long sequence, params string[] stepIds) =>
        At(executionId, sequence, null, e => e.Retried = new ExecutionRetried { StepIds = { stepIds } });

    public static ExecutionEvent Finished(string executionId, long sequence, ExecutionState state, DateTimeOffset? time = null) =>
        At(executionId, sequence, time, e => e.Finished = new ExecutionFinished { State = state });

    private static ExecutionEvent At(string executionId, long sequence, DateTimeOffset? time, Action<ExecutionEvent> kind)
    {
        var @event = new ExecutionEvent
        {
            ExecutionId = executionId,
            Sequence = sequence,
            Time = Timestamp.FromDateTimeOffset(time ?? Epoch.AddSeconds(sequence)),
        };
        kind(@event);
        return @event;
    }
}
