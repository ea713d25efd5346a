namespace GrpcWorkflows.Engine.Storage;

/// <summary>A push executor's registration (<c>RegisterExecutor</c>) as replicas share it through the store.</summary>
/// <param name="ExecutorId">The id the registration was given.</param>
/// <param name="Endpoint">The executor's normalized address.</param>
/// <param name="StepTypes">The step types it serves.</param>
/// <param name="MaxConcurrency">The calls it takes at once (over every replica).</param>
/// <param name="Name">Its name.</param>
/// <param name="Version">Its version.</param>
/// <param name="Labels">Its labels.</param>
/// <param name="Owner">The credential that registered it.</param>
/// <param name="RegisterTime">When it registered.</param>
/// <param name="LeaseExpires">When its lease expires unless a heartbeat (at any replica) renews it.</param>
/// <param name="Namespaces">The namespaces whose steps may go to it (those its credential covers); null for every namespace.</param>
public sealed record StoredExecutorRegistration(
    string ExecutorId,
    string Endpoint,
    IReadOnlyList<string> StepTypes,
    int MaxConcurrency,
    string Name,
    string Version,
    IReadOnlyDictionary<string, string> Labels,
    string Owner,
    DateTimeOffset RegisterTime,
    DateTimeOffset LeaseExpires,
    IReadOnlyCollection<string>? Namespaces = null);
