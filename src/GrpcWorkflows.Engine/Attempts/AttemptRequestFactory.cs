using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.DataFlow;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Secrets;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Attempts;

/// <summary>
/// Builds the request of one attempt from an execution's state: the step's input with its
/// references resolved, the dependencies' outputs (or their failures), the workflow input,
/// labels, the idempotency key and the attempt's timeout. Pure: reads the state, changes nothing.
/// </summary>
internal static class AttemptRequestFactory
{
    private static readonly CompositeSecretProvider NoSecrets = new();

    /// <summary>
    /// The idempotency key of a step of an execution: the same for every attempt and delivery of the
    /// step (see <c>ExecuteStepRequest.idempotency_key</c>), so an executor can make a side effect
    /// happen once across retries.
    /// </summary>
    public static string IdempotencyKey(string executionId, string stepId) => string.Concat(executionId, ":", stepId);

    /// <summary>Builds the request; returns null with <paramref name="error"/> set when the input cannot be resolved or is too large.</summary>
    /// <remarks>
    /// <c>{{ secrets.NAME }}</c> references resolve from <paramref name="secrets"/> here, at dispatch: the values
    /// reach only the request (and <see cref="StepAttemptRequest.SecretValues"/>, for redaction), never the state.
    /// </remarks>
    public static StepAttemptRequest? Create(ExecutionStateFold fold, CompiledWorkflow compiled, int step, int attempt, WorkflowLimits limits, ISecretProvider? secrets, out StepError? error, InputResolver.ItemScope? item = null)
    {
        error = null;
        var graph = compiled.Graph;
        var definition = graph.Steps[step];
        var stepId = graph.Ids[step];
        var execution = fold.Execution;
        var steps = fold.Steps;
        var input = definition.Input ?? new Struct();
        var secretUse = new InputResolver.SecretUse(secrets ?? NoSecrets);
        if (compiled.HasTemplates[step])
        {
            var resolved = InputResolver.Resolve(input, id => graph.Index.TryGetValue(id, out var s) ? steps[s].Output : null, graph.Index.ContainsKey, execution.Input, out var message, secrets: secretUse, item: item);
            if (resolved is null)
            {
                error = new StepError { Code = "INVALID_ARGUMENT", Message = message!, Retryable = false };
                return null;
            }

            input = resolved;
            var size = input.CalculateSize();
            if (size > limits.MaxPayloadBytes)
            {
                error = new StepError { Code = "RESOURCE_EXHAUSTED", Message = $"the resolved input is {size} bytes; the limit is {limits.MaxPayloadBytes} bytes (WorkflowLimits.MaxPayloadBytes)", Retryable = false };
                return null;
            }
        }

        var request = new ExecuteStepRequest
        {
            ExecutionId = execution.ExecutionId,
            WorkflowId = execution.WorkflowId,
            StepId = stepId,
            StepType = definition.Type,
            Attempt = attempt,
            IdempotencyKey = IdempotencyKey(execution.ExecutionId, stepId),
            Input = input,
            WorkflowInput = execution.Input,
            Timeout = Duration.FromTimeSpan(compiled.Timeouts[step]),
        };
        if (item is not null)
        {
            request.Item = item.Index;
            request.IdempotencyKey = string.Concat(request.IdempotencyKey, ":", item.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        foreach (var dependency in graph.Dependencies[step])
        {
            var upstream = steps[dependency];
            request.Dependencies.Add(graph.Ids[dependency], upstream.State switch
            {
                StepState.Succeeded => upstream.Output ?? new Struct(),
                StepState.Skipped or StepState.Cancelled => NotRunAsOutput(upstream.Reason),
                _ => FailureAsOutput(upstream.Error),
            });
        }

        if (execution.Labels.Count > 0)
        {
            request.Labels.Add(execution.Labels);
        }

        return new StepAttemptRequest(request, compiled.Timeouts[step]) { SecretValues = secretUse.Used, Namespace = execution.Namespace };
    }

    /// <summary>What a dependent that runs whatever its dependencies did (a trigger rule other than <c>all_succeeded</c>) sees in place of the output of a step that did not run: <c>{"skipped": {"reason"}}</c>.</summary>
    public static Struct NotRunAsOutput(string reason)
    {
        var output = new Struct();
        output.Fields["skipped"] = Value.ForStruct(new Struct { Fields = { ["reason"] = Value.ForString(reason) } });
        return output;
    }

    /// <summary>What a dependent sees in place of the output of a step that failed and continued: <c>{"error": {"code", "message"}}</c>.</summary>
    public static Struct FailureAsOutput(StepError? error)
    {
        var failure = new Struct();
        failure.Fields["code"] = Value.ForString(error?.Code ?? string.Empty);
        failure.Fields["message"] = Value.ForString(error?.Message ?? string.Empty);
        var output = new Struct();
        output.Fields["error"] = Value.ForStruct(failure);
        return output;
    }
}
