namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// How replicas tell each other which step types their executors serve (<see cref="IExecutionReplicaStore.HeartbeatAsync"/>,
/// <see cref="IExecutionReplicaStore.ClaimAsync"/>): an entry is a step type served in every namespace, or
/// <c>namespace</c> + <see cref="Separator"/> + step type for one served only in that namespace (an executor whose
/// credential covers some namespaces). Namespaces never contain the separator, so an entry splits at its first one
/// whatever the step type holds; a replica of an earlier version, which writes bare step types only, reads the same.
/// </summary>
public static class ServedStepTypes
{
    /// <summary>The ASCII unit separator, between a namespace and a step type.</summary>
    public const char Separator = '\u001f';

    /// <summary>The entry for <paramref name="stepType"/> served in <paramref name="executionNamespace"/> only.</summary>
    public static string InNamespace(string executionNamespace, string stepType) => executionNamespace + Separator + stepType;

    /// <summary>Whether the entries in <paramref name="served"/> serve <paramref name="stepType"/> for an execution of <paramref name="executionNamespace"/>.</summary>
    public static bool Cover(IReadOnlySet<string> served, string stepType, string executionNamespace)
        => served.Contains(stepType) || served.Contains(InNamespace(executionNamespace, stepType));

    /// <summary>The step type of an entry, whatever namespace it is served in.</summary>
    public static string StepTypeOf(string entry)
        => entry.IndexOf(Separator) is var at and >= 0 ? entry[(at + 1)..] : entry;
}
