using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.DataFlow;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Results;

/// <summary>
/// Computes an execution's result when it finishes: the workflow's declared <c>output</c>
/// template resolved like a step input; without one, the seed's rule: the merged <c>result</c>
/// objects of the succeeded steps of type <c>output</c>, else every succeeded leaf step's output
/// keyed by step id.
/// </summary>
internal static class ExecutionResultBuilder
{
    /// <summary>The step type whose <c>result</c> makes the default result.</summary>
    public const string OutputStepType = "output";

    /// <summary>Builds the result; when the declared output cannot be resolved, returns an empty result and sets <paramref name="error"/>.</summary>
    public static Struct Build(ExecutionStateFold fold, CompiledWorkflow compiled, WorkflowLimits limits, out StepError? error)
    {
        error = null;
        if (compiled.Definition.Output is { } declared)
        {
            return Resolve(declared, fold, compiled, limits, out error);
        }

        return BuildDefault(fold, compiled);
    }

    private static Struct Resolve(Struct declared, ExecutionStateFold fold, CompiledWorkflow compiled, WorkflowLimits limits, out StepError? error)
    {
        error = null;
        var graph = compiled.Graph;
        var steps = fold.Steps;
        var resolved = InputResolver.Resolve(declared, id => graph.Index.TryGetValue(id, out var s) ? steps[s].Output : null, graph.Index.ContainsKey, fold.Execution.Input, out var message, root: "output");
        if (resolved is null)
        {
            error = new StepError { Code = "INVALID_ARGUMENT", Message = $"the workflow output cannot be resolved: {message}" };
            return new Struct();
        }

        var size = resolved.CalculateSize();
        if (size > limits.MaxPayloadBytes)
        {
            error = new StepError { Code = "RESOURCE_EXHAUSTED", Message = $"the workflow output is {size} bytes; the limit is {limits.MaxPayloadBytes} bytes (WorkflowLimits.MaxPayloadBytes)" };
            return new Struct();
        }

        return resolved;
    }

    private static Struct BuildDefault(ExecutionStateFold fold, CompiledWorkflow compiled)
    {
        var graph = compiled.Graph;
        var steps = fold.Steps;
        Struct? merged = null;
        foreach (var i in compiled.Order)
        {
            var step = steps[i];
            if (graph.Steps[i].Type == OutputStepType && step.State == StepState.Succeeded
                && step.Output?.Fields.TryGetValue("result", out var value) == true && value.KindCase == Value.KindOneofCase.StructValue)
            {
                merged ??= new Struct();
                foreach (var (key, item) in value.StructValue.Fields)
                {
                    merged.Fields[key] = item;
                }
            }
        }

        if (merged is not null)
        {
            return merged;
        }

        var leaves = new Struct();
        foreach (var i in compiled.Order)
        {
            if (graph.Dependents[i].Length == 0 && steps[i].State == StepState.Succeeded)
            {
                leaves.Fields[graph.Ids[i]] = Value.ForStruct(steps[i].Output ?? new Struct());
            }
        }

        return leaves;
    }
}
