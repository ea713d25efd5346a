namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>An executor endpoint listed in configuration (<c>Executors:Static:N</c>).</summary>
public sealed class StaticExecutorOptions
{
    /// <summary>The address the orchestrator calls, for example <c>http://127.0.0.1:5101</c>.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The step types served at that address.</summary>
    public List<string> StepTypes { get; set; } = [];

    /// <summary>The largest number of calls in flight; 0 means <see cref="ExecutorRegistryOptions.DefaultMaxConcurrency"/>.</summary>
    public int MaxConcurrency { get; set; }

    /// <summary>A display name; the endpoint when empty.</summary>
    public string? Name { get; set; }
}
