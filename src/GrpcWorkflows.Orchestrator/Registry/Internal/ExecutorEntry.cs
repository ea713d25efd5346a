using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Registry.Internal;

/// <summary>One known executor: what it registered (or what configuration lists) and its lease.</summary>
internal sealed class ExecutorEntry(
    string id,
    ExecutorEndpoint endpoint,
    string[] stepTypes,
    int maxConcurrency,
    string name,
    string version,
    IReadOnlyDictionary<string, string> labels,
    ExecutorSource source,
    DateTimeOffset registerTime,
    string owner)
{
    private long _leaseExpiresUtcTicks;

    public string Id { get; } = id;

    public ExecutorEndpoint Endpoint { get; } = endpoint;

    public string[] StepTypes { get; } = stepTypes;

    public int MaxConcurrency { get; } = maxConcurrency;

    public string Name { get; } = name;

    public string Version { get; } = version;

    public IReadOnlyDictionary<string, string> Labels { get; } = labels;

    public ExecutorSource Source { get; } = source;

    public DateTimeOffset RegisterTime { get; } = registerTime;

    /// <summary>The credential that registered it (<see cref="Security.CallerPrincipal.Owner"/>); <see cref="ExecutorRegistry.StaticOwner"/> for static executors.</summary>
    public string Owner { get; } = owner;

    /// <summary>When the lease expires; <see cref="DateTimeOffset.MaxValue"/> for static executors.</summary>
    public DateTimeOffset LeaseExpires
    {
        get => new(Volatile.Read(ref _leaseExpiresUtcTicks), TimeSpan.Zero);
        set => Volatile.Write(ref _leaseExpiresUtcTicks, value.UtcTicks);
    }
}
