using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// The position after the last item of a page of executions ordered newest first
/// (create time descending, then execution id descending), bound to the filters of the query that
/// made it, as an opaque string; shared by the <see cref="IExecutionStore"/> implementations so
/// their page tokens mean the same thing. Stores read and make tokens through
/// <see cref="ExecutionQuery.ReadPageToken"/> and <see cref="ExecutionQuery.NextPageToken"/>.
/// </summary>
/// <param name="CreateTimeTicks">The create time (UTC ticks) of the last execution of the page.</param>
/// <param name="ExecutionId">The id of the last execution of the page.</param>
/// <param name="Filter">The <see cref="ExecutionQuery.FilterFingerprint"/> of the query that made the token.</param>
public readonly record struct ExecutionPageToken(long CreateTimeTicks, string ExecutionId, string Filter)
{
    /// <summary>Encodes the token.</summary>
    public string Encode()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{CreateTimeTicks}:{Filter}:{ExecutionId}");
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Decodes a token made by <see cref="Encode"/>.</summary>
    /// <exception cref="ArgumentException">The token was not made by this store.</exception>
    public static ExecutionPageToken Decode(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            var first = text.IndexOf(':', StringComparison.Ordinal);
            var second = first < 0 ? -1 : text.IndexOf(':', first + 1);
            if (first > 0 && second > first && long.TryParse(text.AsSpan(0, first), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks))
            {
                return new ExecutionPageToken(ticks, text[(second + 1)..], text[(first + 1)..second]);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException($"The page token '{token}' is not valid: pass the next_page_token of the previous page unchanged, or no token for the first page.", nameof(token));
    }

    /// <summary>True when an execution created at <paramref name="createTimeTicks"/> with <paramref name="executionId"/> comes after this position.</summary>
    public bool Precedes(long createTimeTicks, string executionId) =>
        createTimeTicks < CreateTimeTicks
        || (createTimeTicks == CreateTimeTicks && string.CompareOrdinal(executionId, ExecutionId) < 0);
}
