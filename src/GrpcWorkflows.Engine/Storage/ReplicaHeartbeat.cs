namespace GrpcWorkflows.Engine.Storage;

/// <summary>What a replica learns from its heartbeat about the other live replicas.</summary>
/// <param name="StepTypesElsewhere">The step types the other live replicas' executors serve, as <see cref="ServedStepTypes"/> entries (some for one namespace only).</param>
/// <param name="OtherReplicas">The ids of the other live replicas (the caller not included).</param>
public sealed record ReplicaHeartbeat(IReadOnlyList<string> StepTypesElsewhere, IReadOnlyList<string> OtherReplicas);
