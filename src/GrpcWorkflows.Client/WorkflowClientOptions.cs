using GrpcWorkflows.Client.Watching;

namespace GrpcWorkflows.Client;

/// <summary>
/// Options of a <see cref="WorkflowClient"/>: where the orchestrator listens, the credential to
/// present, and how broken event streams are resumed.
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

    /// <summary>
    /// An API key sent in the <c>x-api-key</c> header of every call, when the orchestrator
    /// authenticates its clients (see docs/security.md). Null: none sent.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// A bearer token (a JWT from your identity provider) sent in the <c>authorization</c> header of
    /// every call. Null: none sent. For tokens that rotate, add <c>CallCredentials</c> to the channel instead.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>
    /// The namespace submissions and listings use when their request names none (see
    /// docs/security.md#namespaces). Null: the orchestrator's <c>default</c>. Getting, watching,
    /// cancelling and retrying go by execution id and need none.
    /// </summary>
    public string? Namespace { get; set; }

    /// <summary>How <see cref="IWorkflowClient.WatchAsync"/> and <see cref="IWorkflowClient.RunAsync(GrpcWorkflows.V1.RunWorkflowRequest, System.Threading.CancellationToken)"/> resume a broken stream.</summary>
    public WatchResumeOptions WatchResume { get; set; } = new();
}
