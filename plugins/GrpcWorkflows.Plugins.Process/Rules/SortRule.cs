using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>
/// Sorts a list, stably: <c>{"type": "sort", "list": "items", "by": "amount", "order": "desc"}</c> (<c>by</c>
/// absent sorts the items themselves). Numbers by value, strings ordinally; missing and null values go last.
/// </summary>
internal sealed class SortRule(string location, FieldPath list, FieldPath? by, bool descending, FieldPath target) : Rule(location, "sort")
{
    public static Rule? Parse(RuleSpec spec)
    {
        spec.AllowOnly("list", "by", "order", "target");
        var list = spec.Path("list", required: false, defaultPath: "items");
        var by = spec.Path("by", required: false);
        var order = spec.OneOf("order", required: false, ["asc", "desc"], "order", "asc");
        var target = spec.Path("target", required: false);
        return list is null || order is null ? null : new SortRule(spec.Location, list, by, order == "desc", target ?? list);
    }

    public override void Apply(JsonObject data)
    {
        var items = RequireList(data, list);
        var keyed = items.Select((item, index) => (Item: item, Index: index, Key: KeyOf(item))).ToList();
        keyed.Sort((a, b) =>
        {
            var aMissing = JsonValues.IsNull(a.Key);
            var bMissing = JsonValues.IsNull(b.Key);
            var order = aMissing || bMissing
                ? aMissing.CompareTo(bMissing)
                : (descending ? -1 : 1) * JsonValues.CompareForSort(a.Key, b.Key);
            return order != 0 ? order : a.Index.CompareTo(b.Index);
        });

        var sorted = new JsonArray([.. keyed.Select(k => k.Item?.DeepClone())]);
        try
        {
            target.Set(data, sorted);
        }
        catch (FieldPathException ex)
        {
            throw Fail(ex.Message);
        }
    }

    private JsonNode? KeyOf(JsonNode? item) => by is null ? item : by.TryGet(item, out var key) ? key : null;
}
