using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>
/// Drops repeated items of a list, keeping the first: <c>{"type": "dedupe", "list": "items", "by": ["email"]}</c>
/// (<c>by</c> a field or a list of fields; absent compares whole items).
/// </summary>
internal sealed class DedupeRule(string location, FieldPath list, IReadOnlyList<FieldPath>? by, FieldPath target) : Rule(location, "dedupe")
{
    public static Rule? Parse(RuleSpec spec)
    {
        spec.AllowOnly("list", "by", "target");
        var list = spec.Path("list", required: false, defaultPath: "items");
        var by = spec.Has("by") ? spec.Paths("by", required: true) : null;
        var target = spec.Path("target", required: false);
        return list is null || (spec.Has("by") && by is null) ? null : new DedupeRule(spec.Location, list, by, target ?? list);
    }

    public override void Apply(JsonObject data)
    {
        var items = RequireList(data, list);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kept = new JsonArray();
        foreach (var item in items)
        {
            var key = by is null
                ? JsonValues.Key(item)
                : string.Join("\u001f", by.Select(path => path.TryGet(item, out var v) ? JsonValues.Key(v) : "missing"));
            if (seen.Add(key))
            {
                kept.Add(item?.DeepClone());
            }
        }

        try
        {
            target.Set(data, kept);
        }
        catch (FieldPathException ex)
        {
            throw Fail(ex.Message);
        }
    }
}
