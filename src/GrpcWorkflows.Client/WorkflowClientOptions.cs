using GrpcWorkflows.Client.Watching;

namespace GrpcWorkflows.Client;

/// <summary>
/// Options of a <see cref="WorkflowClient"/>: where the orchestrator listens and how broken event
/// streams are resumed.
/// </summary>
public sealed class WorkflowClientOptions
{
    /// <summary>The default <see cref="Address"/>: the orchestrator of <c>gwf dev</c> on this machine.</summary>
    public const string DefaultAddress = "http://127.0.0.1:5100";

    /// <summary>
    /// The orchestrator's address, for example <c>http://127.0.0.1:5100</c> (h2c) or
    /// <c>https://workflows.example.com</c>. Defaults to <see cref="DefaultAddress"/>.
    /// </summary>
    public Uri Address { get; set; } = new(DefaultAddress);

    /// <summary>How <see cref="IWorkflowClient.WatchAsync"/> and <see cref="IWorkflowClient.RunAsync(GrpcWorkflows.V1.RunWorkflowRequest, System.Threading.CancellationToken)"/> resume a broken stream.</summary>
    public WatchResumeOptions WatchResume { get; set; } = new();
}
