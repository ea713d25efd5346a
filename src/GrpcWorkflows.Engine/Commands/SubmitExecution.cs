using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Commands;

/// <summary>A request to start one execution of a workflow (see <see cref="WorkflowEngine.SubmitAsync"/>).</summary>
/// <param name="Definition">The workflow to run.</param>
/// <param name="Input">The workflow input, referenced by steps as <c>workflow.input</c>; empty when null.</param>
/// <param name="IdempotencyKey">When set, a second submission with the same key returns the first execution instead of starting another.</param>
/// <param name="Labels">Labels of this execution, added to (and overriding) the definition's.</param>
/// <param name="Namespace">The namespace of the execution; <see cref="Namespaces.ExecutionNamespace.Default"/> when null or empty.</param>
public sealed record SubmitExecution(
    WorkflowDefinition Definition,
    Struct? Input = null,
    string? IdempotencyKey = null,
    IReadOnlyDictionary<string, string>? Labels = null,
    string? Namespace = null);
