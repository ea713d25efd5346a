namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>Which execution store the orchestrator uses (<c>Storage:Provider</c>).</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Storage";

    /// <summary>The in-memory store: fast, nothing survives a restart (tests, benchmarks).</summary>
    public const string MemoryProvider = "memory";

    /// <summary>The embedded SQLite store.</summary>
    public const string SqliteProvider = "sqlite";

    /// <summary>The default <see cref="Provider"/>.</summary>
    public const string DefaultProvider = MemoryProvider;

    /// <summary>The store: <c>memory</c> or <c>sqlite</c>.</summary>
    public string Provider { get; set; } = DefaultProvider;
}
