using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>A page request of <see cref="IExecutionStore.ListAsync"/>: filters, a page size and a page token.</summary>
/// <remarks>
/// Every filter must match (states: any of them; labels: all of them). A page token is bound to
/// the filters of the query that made it: <see cref="ReadPageToken"/> refuses a token made with
/// other filters, so a client cannot silently skip or repeat executions by changing filters
/// between pages. The page size is not part of the binding.
/// </remarks>
/// <param name="PageSize">The largest number of records to return (at least 1).</param>
/// <param name="PageToken">The opaque token of the previous page's <see cref="ExecutionPage.NextPageToken"/>, or null.</param>
/// <param name="States">Only these states; empty for all.</param>
/// <param name="WorkflowId">Only this workflow id, or null for all.</param>
public sealed record ExecutionQuery(int PageSize, string? PageToken, IReadOnlyCollection<ExecutionState> States, string? WorkflowId)
{
    /// <summary>Only executions carrying every one of these labels with exactly this value; empty for all.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = FrozenDictionary<string, string>.Empty;

    /// <summary>Only executions created at or after this time; null for no lower bound.</summary>
    public DateTimeOffset? CreatedAfter { get; init; }

    /// <summary>Only executions created strictly before this time; null for no upper bound.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Only executions whose id starts with this text (ordinal); null or empty for all.</summary>
    public string? ExecutionIdPrefix { get; init; }

    /// <summary>The one namespace listed: a listing never crosses namespaces.</summary>
    public string Namespace { get; init; } = Namespaces.ExecutionNamespace.Default;

    /// <summary>
    /// A short digest of the filters (states, workflow id, labels, creation bounds, id prefix, namespace), the same for
    /// equal filters whatever their order; page tokens carry it.
    /// </summary>
    public string FilterFingerprint()
    {
        var text = new StringBuilder();
        foreach (var state in States.Distinct().Order())
        {
            text.Append(CultureInfo.InvariantCulture, $"s{(int)state};");
        }

        Append(text, "w", WorkflowId ?? string.Empty);
        foreach (var (key, value) in Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            Append(text, "k", key);
            Append(text, "v", value);
        }

        text.Append(CultureInfo.InvariantCulture, $"a{CreatedAfter?.UtcTicks};b{CreatedBefore?.UtcTicks};");
        if (!string.IsNullOrEmpty(ExecutionIdPrefix))
        {
            // Left out when empty, so tokens made before this filter existed stay valid.
            Append(text, "p", ExecutionIdPrefix);
        }

        if (!string.Equals(Namespace, Namespaces.ExecutionNamespace.Default, StringComparison.Ordinal))
        {
            // Left out for the default namespace, so tokens made before namespaces stay valid.
            Append(text, "n", Namespace);
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    /// <summary>The position the page starts after, or null for the first page.</summary>
    /// <exception cref="ArgumentException">The token is malformed, or was made for other filters.</exception>
    public ExecutionPageToken? ReadPageToken()
    {
        if (string.IsNullOrEmpty(PageToken))
        {
            return null;
        }

        var token = ExecutionPageToken.Decode(PageToken);
        if (!string.Equals(token.Filter, FilterFingerprint(), StringComparison.Ordinal))
        {
            throw new ArgumentException(
                "The page token was made for other filters (states, workflow id, labels, created after, created before, id prefix): pass the filters of the request that returned it, or start again without a token.",
                nameof(PageToken));
        }

        return token;
    }

    /// <summary>The token of the page that follows <paramref name="last"/>, bound to this query's filters.</summary>
    /// <param name="last">The last record of the current page.</param>
    public string NextPageToken(ExecutionRecord last)
    {
        ArgumentNullException.ThrowIfNull(last);
        return new ExecutionPageToken(last.CreateTime.UtcTicks, last.ExecutionId, FilterFingerprint()).Encode();
    }

    /// <summary>Whether an execution id starts with <see cref="ExecutionIdPrefix"/> (always, without one).</summary>
    public bool HasIdPrefix(string executionId) =>
        string.IsNullOrEmpty(ExecutionIdPrefix) || executionId.StartsWith(ExecutionIdPrefix, StringComparison.Ordinal);

    /// <summary>Whether a creation time is within <see cref="CreatedAfter"/> and <see cref="CreatedBefore"/>.</summary>
    public bool CreatedWithin(DateTimeOffset createTime) =>
        (CreatedAfter is not { } after || createTime >= after) && (CreatedBefore is not { } before || createTime < before);

    private static void Append(StringBuilder text, string tag, string value) =>
        text.Append(CultureInfo.InvariantCulture, $"{tag}{value.Length}:{value};");
}
