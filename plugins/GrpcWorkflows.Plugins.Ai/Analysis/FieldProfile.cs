using System.Text.Json.Nodes;

namespace GrpcWorkflows.Plugins.Ai.Analysis;

/// <summary>What was seen at one field path across all records.</summary>
internal sealed class FieldProfile(string path)
{
    public string Path { get; } = path;

    public SortedSet<string> Types { get; } = new(StringComparer.Ordinal);

    /// <summary>Occurrences with a value other than null.</summary>
    public int Count { get; set; }

    public int Nulls { get; set; }

    public List<double> Numbers { get; } = [];

    public List<string> Strings { get; } = [];

    public int True { get; set; }

    public int False { get; set; }

    /// <summary>The scalar values per source, in order of appearance (for <c>by_source</c>).</summary>
    public Dictionary<string, List<JsonNode?>> BySource { get; } = new(StringComparer.Ordinal);
}
