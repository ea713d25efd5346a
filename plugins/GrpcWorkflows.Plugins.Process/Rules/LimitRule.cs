using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>Keeps at most <c>count</c> items of a list after skipping <c>offset</c>: <c>{"type": "limit", "list": "items", "count": 3}</c>.</summary>
internal sealed class LimitRule(string location, FieldPath list, int count, int offset, FieldPath target) : Rule(location, "limit")
{
    public static Rule? Parse(RuleSpec spec)
    {
        spec.AllowOnly("list", "count", "offset", "target");
        var list = spec.Path("list", required: false, defaultPath: "items");
        var count = spec.Integer("count", 0, int.MaxValue);
        if (!spec.Has("count"))
        {
            spec.Problem("count", "is required.");
        }

        var offset = spec.Integer("offset", 0, int.MaxValue) ?? 0;
        var target = spec.Path("target", required: false);
        return list is null || count is null ? null : new LimitRule(spec.Location, list, count.Value, offset, target ?? list);
    }

    public override void Apply(JsonObject data)
    {
        var items = RequireList(data, list);
        var kept = new JsonArray([.. items.Skip(offset).Take(count).Select(n => n?.DeepClone())]);
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
