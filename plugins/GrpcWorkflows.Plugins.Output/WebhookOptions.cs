namespace GrpcWorkflows.Plugins.Output;

/// <summary>Options of webhook delivery, bound from <c>Output:Webhook</c>.</summary>
public sealed class WebhookOptions
{
    /// <summary>The default of <see cref="DefaultTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultDefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default of <see cref="MaxTimeout"/>: 60 seconds.</summary>
    public static readonly TimeSpan DefaultMaxTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Host names (or <c>*.example.com</c> patterns, or IP literals) webhooks may be sent to. When the list is not
    /// empty, only these hosts are allowed. Private, loopback and link-local addresses are refused unless the host is
    /// listed here; the check is made on the addresses the name resolves to, at connection time.
    /// </summary>
    public List<string> Allowlist { get; set; } = [];

    /// <summary>The timeout of a webhook call when the step names none.</summary>
    public TimeSpan DefaultTimeout { get; set; } = DefaultDefaultTimeout;

    /// <summary>The largest timeout a step may ask for.</summary>
    public TimeSpan MaxTimeout { get; set; } = DefaultMaxTimeout;
}
