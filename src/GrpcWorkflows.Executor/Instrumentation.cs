namespace GrpcWorkflows.Executor;

/// <summary>
/// Names of the executor SDK's telemetry: subscribe to <see cref="ActivitySourceName"/> to trace step calls.
/// The tags on its activities are named by <see cref="V1.TelemetryTags"/>, as the orchestrator's are.
/// </summary>
public static class Instrumentation
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name: one server Activity per <c>ExecuteStep</c> call.</summary>
    public const string ActivitySourceName = "GrpcWorkflows.Executor";
}
