namespace GrpcWorkflows.Orchestrator.Registry.Internal;

/// <summary>What <see cref="ExecutorRegistry.Deregister"/> did.</summary>
internal enum DeregisterOutcome
{
    /// <summary>The registration was removed.</summary>
    Removed,

    /// <summary>No executor has this id (it was removed before, or its lease expired).</summary>
    Unknown,

    /// <summary>The executor belongs to another credential (or to configuration): nothing was removed.</summary>
    NotOwned,
}
