namespace GrpcWorkflows.Plugins.Output.Webhooks;

/// <summary>
/// Which extra headers a webhook step may send: a valid HTTP token as the name, a value without CR, LF,
/// NUL or other control characters (so no header or request can be injected), none of the headers the
/// executor sets or that change how the request is framed or routed, and limits on count and size.
/// </summary>
public static class WebhookHeaders
{
    /// <summary>The most extra headers one webhook may carry.</summary>
    public const int MaxCount = 32;

    /// <summary>The longest header value, in characters.</summary>
    public const int MaxValueLength = 8 * 1024;

    /// <summary>The longest header name, in characters.</summary>
    public const int MaxNameLength = 256;

    private static readonly HashSet<string> Forbidden = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "content-type", "transfer-encoding", "connection", "keep-alive", "upgrade",
        "te", "trailer", "expect", "proxy-connection", "proxy-authorization", "proxy-authenticate",
    };

    /// <summary>Why the header cannot be sent, or null when it can.</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The header value.</param>
    /// <returns>The problem, phrased to follow the field path.</returns>
    public static string? Problem(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Length == 0 || name.Length > MaxNameLength || !name.All(IsTokenChar))
        {
            return $"is not a valid header name (1 to {MaxNameLength} letters, digits or !#$%&'*+-.^_`|~).";
        }

        if (Forbidden.Contains(name))
        {
            return "is set by the executor and cannot be overridden.";
        }

        if (value.Length > MaxValueLength)
        {
            return $"the value is {value.Length} characters; the limit is {MaxValueLength}.";
        }

        if (value.Any(c => (c < 0x20 && c != '\t') || c == 0x7f))
        {
            return "the value contains a line break or another control character, which could inject headers.";
        }

        return null;
    }

    private static bool IsTokenChar(char c)
        => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
