namespace GrpcWorkflows.Plugins.Output.Webhooks;

/// <summary>A validated webhook delivery.</summary>
/// <param name="Url">The absolute http(s) URL.</param>
/// <param name="Headers">Extra request headers.</param>
/// <param name="Timeout">The time limit of the call.</param>
public sealed record WebhookRequest(Uri Url, IReadOnlyDictionary<string, string> Headers, TimeSpan Timeout);
