using System.Text.Json;
using GrpcWorkflows.Engine.Storage;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>The stored form of an execution's labels (merged by <see cref="ExecutionLabels"/>): a <c>jsonb</c> object, so that filters run in SQL (<c>@&gt;</c>).</summary>
internal static class LabelsJson
{
    private static readonly Dictionary<string, string> Empty = new(StringComparer.Ordinal);

    /// <summary>Labels (or a label filter) as a JSON object; null when there are none.</summary>
    public static string? Encode(IReadOnlyDictionary<string, string> labels) => labels.Count == 0 ? null : JsonSerializer.Serialize(labels);

    /// <summary>Reads labels stored by <see cref="Encode"/>.</summary>
    public static IReadOnlyDictionary<string, string> Decode(string? stored) =>
        stored is null ? Empty : JsonSerializer.Deserialize<Dictionary<string, string>>(stored) ?? Empty;
}
