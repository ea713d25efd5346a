using Google.Protobuf;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>The labels an execution is indexed with, and their stored form.</summary>
internal static class ExecutionLabels
{
    private static readonly Dictionary<string, string> Empty = new(StringComparer.Ordinal);

    /// <summary>The definition's labels overlaid with the submission's labels, serialized; null when there are none.</summary>
    public static byte[]? Encode(ExecutionSubmitted submitted)
    {
        var definitionLabels = submitted.Definition?.Labels;
        if ((definitionLabels is null || definitionLabels.Count == 0) && submitted.Labels.Count == 0)
        {
            return null;
        }

        var holder = new ExecutionSubmitted();
        if (definitionLabels is not null)
        {
            holder.Labels.Add(definitionLabels);
        }

        foreach (var (key, value) in submitted.Labels)
        {
            holder.Labels[key] = value;
        }

        return holder.ToByteArray();
    }

    /// <summary>Reads labels stored by <see cref="Encode"/>.</summary>
    public static IReadOnlyDictionary<string, string> Decode(byte[]? stored) =>
        stored is null ? Empty : new Dictionary<string, string>(ExecutionSubmitted.Parser.ParseFrom(stored).Labels, StringComparer.Ordinal);
}
