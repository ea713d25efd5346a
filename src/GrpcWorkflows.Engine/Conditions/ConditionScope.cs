using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Engine.Conditions;

/// <summary>What a condition reads: the workflow input and the outputs of upstream steps (null when a step has none).</summary>
/// <param name="WorkflowInput">The workflow input.</param>
/// <param name="StepOutput">The output of a step by id, or null (not succeeded, skipped).</param>
internal readonly record struct ConditionScope(Struct? WorkflowInput, Func<string, Struct?> StepOutput);
