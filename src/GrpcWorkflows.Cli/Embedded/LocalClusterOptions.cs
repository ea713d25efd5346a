namespace GrpcWorkflows.Cli.Embedded;

/// <summary>How <see cref="LocalCluster"/> starts the orchestrator and the built-in executors.</summary>
internal sealed class LocalClusterOptions
{
    /// <summary>Where the orchestrator listens; port 0 picks a free port.</summary>
    public string OrchestratorUrl { get; init; } = "http://127.0.0.1:0";

    /// <summary>The orchestrator's <c>Storage:Provider</c>.</summary>
    public string Storage { get; init; } = "memory";

    /// <summary>More <c>--Key=Value</c> configuration for the orchestrator.</summary>
    public IReadOnlyList<string> OrchestratorArguments { get; init; } = [];

    /// <summary>The API key the cluster itself uses (to wait for registrations) when the orchestrator requires one; null for none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Environment variables of every executor process (their registration key); empty for none.</summary>
    public IReadOnlyDictionary<string, string> ExecutorEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Executors started beside the built-in ones (from <c>gwf.executors.json</c>).</summary>
    public IReadOnlyList<ExternalExecutor> ExternalExecutors { get; init; } = [];

    /// <summary>The input executor's <c>Input:DataRoot</c>; null for its default (<c>data</c> under the current folder).</summary>
    public string? InputDataRoot { get; init; }

    /// <summary>The output executor's <c>Output:Root</c>; null for its default (<c>output</c> under the current folder).</summary>
    public string? OutputRoot { get; init; }

    /// <summary>How long to wait for every process to listen and every executor to register.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Receives every output line of every process (name, line); null to keep them quiet.</summary>
    public Action<string, string>? Echo { get; init; }
}
