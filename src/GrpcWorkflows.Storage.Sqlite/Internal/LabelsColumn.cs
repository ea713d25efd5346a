using Google.Protobuf;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>The stored form of an execution's labels (merged by <see cref="Engine.Storage.ExecutionLabels"/>).</summary>
internal static class LabelsColumn
{
    private static readonly Dictionary<string, string> Empty = new(StringComparer.Ordinal);

    /// <summary>The execution's labels, serialized; null when there are none.</summary>
    public static byte[]? Encode(ExecutionSubmitted submitted)
    {
        var labels = Engine.Storage.ExecutionLabels.Of(submitted);
        if (labels.Count == 0)
        {
            return null;
        }

        var holder = new ExecutionSubmitted();
        foreach (var (key, value) in labels)
        {
            holder.Labels[key] = value;
        }

        return holder.ToByteArray();
    }

    /// <summary>Reads labels stored by <see cref="Encode"/>.</summary>
    public static IReadOnlyDictionary<string, string> Decode(byte[]? stored) =>
        stored is null ? Empty : new Dictionary<string, string>(ExecutionSubmitted.Parser.ParseFrom(stored).Labels, StringComparer.Ordinal);
}
