using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// The position after the last item of a page of executions ordered newest first
/// (create time descending, then execution id descending), as an opaque string; shared by the
/// <see cref="IExecutionStore"/> implementations so their page tokens mean the same thing.
/// </summary>
/// <param name="CreateTimeTicks">The create time (UTC ticks) of the last execution of the page.</param>
/// <param name="ExecutionId">The id of the last execution of the page.</param>
public readonly record struct ExecutionPageToken(long CreateTimeTicks, string ExecutionId)
{
    /// <summary>Encodes the token.</summary>
    public string Encode()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{CreateTimeTicks}:{ExecutionId}");
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Decodes a token made by <see cref="Encode"/>.</summary>
    /// <exception cref="ArgumentException">The token was not made by this store.</exception>
    public static ExecutionPageToken Decode(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && long.TryParse(text.AsSpan(0, colon), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks))
            {
                return new ExecutionPageToken(ticks, text[(colon + 1)..]);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException($"The page token '{token}' is not valid.", nameof(token));
    }

    /// <summary>True when an execution created at <paramref name="createTimeTicks"/> with <paramref name="executionId"/> comes after this position.</summary>
    public bool Precedes(long createTimeTicks, string executionId) =>
        createTimeTicks < CreateTimeTicks
        || (createTimeTicks == CreateTimeTicks && string.CompareOrdinal(executionId, ExecutionId) < 0);
}
