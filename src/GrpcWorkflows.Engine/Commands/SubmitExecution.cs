using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Commands;

/// <summary>A request to start one execution of a workflow (see <see cref="WorkflowEngine.SubmitAsync"/>).</summary>
/// <param name="Definition">The workflow to run.</param>
/// <param name="Input">The workflow input, referenced by steps as <c>workflow.input</c>; empty when null.</param>
/// <param name="IdempotencyKey">When set, a second submission with the same key returns the first execution instead of starting another.</param>
/// <param name="Labels">Labels of this execution, added to (and overriding) the definition's.</param>
/// <param name="Namespace">The namespace of the execution; <see cref="Namespaces.ExecutionNamespace.Default"/> when null or empty.</param>
/// <param name="WorkflowVersion">The stored workflow version <paramref name="Definition"/> is (see <see cref="WorkflowEngine.ResolveWorkflowAsync"/>); 0 for an inline definition.</param>
/// <param name="Parent">For a child execution of a <c>workflow</c> step: its parent; null otherwise.</param>
/// <param name="Schedule">For an execution started by a schedule: the schedule and its time; null otherwise.</param>
public sealed record SubmitExecution(
    WorkflowDefinition Definition,
    Struct? Input = null,
    string? IdempotencyKey = null,
    IReadOnlyDictionary<string, string>? Labels = null,
    string? Namespace = null,
    int WorkflowVersion = 0,
    ExecutionParent? Parent = null,
    ExecutionSchedule? Schedule = null);

/// <summary>The parent of a child execution started by a <c>workflow</c> step.</summary>
/// <param name="ExecutionId">The parent execution's id.</param>
/// <param name="StepId">The parent's step that started the child.</param>
/// <param name="Depth">The child's depth in the chain of sub-workflows: the parent's depth + 1.</param>
public sealed record ExecutionParent(string ExecutionId, string StepId, int Depth);

/// <summary>The schedule that started an execution, and the scheduled time it was started for.</summary>
/// <param name="ScheduleId">The schedule's id (in the execution's namespace).</param>
/// <param name="Time">The scheduled time (before jitter).</param>
public sealed record ExecutionSchedule(string ScheduleId, DateTimeOffset Time);
