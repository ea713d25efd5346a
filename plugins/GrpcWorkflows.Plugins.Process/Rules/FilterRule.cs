using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>
/// Keeps the items of a list that match a condition:
/// <c>{"type": "filter", "list": "items", "field": "amount", "op": "gt", "value": 10, "target": "big"}</c>
/// (<c>list</c> defaults to <c>items</c>, <c>target</c> to the list itself), or several tests with
/// <c>"all": [{field, op, value}, ...]</c> / <c>"any": [...]</c>.
/// </summary>
internal sealed class FilterRule(string location, FieldPath list, Condition condition, FieldPath target) : Rule(location, "filter")
{
    public static Rule? Parse(RuleSpec spec)
    {
        spec.AllowOnly("list", "field", "op", "value", "all", "any", "target");
        var list = spec.Path("list", required: false, defaultPath: "items");
        var condition = Condition.Parse(spec);
        var target = spec.Path("target", required: false);
        return list is null || condition is null ? null : new FilterRule(spec.Location, list, condition, target ?? list);
    }

    public override void Apply(JsonObject data)
    {
        var items = RequireList(data, list);
        var kept = new JsonArray([.. items.Where(condition.Matches).Select(n => n?.DeepClone())]);
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
