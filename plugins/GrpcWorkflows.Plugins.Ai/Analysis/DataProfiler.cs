using System.Text.Json;
using System.Text.Json.Nodes;

namespace GrpcWorkflows.Plugins.Ai.Analysis;

/// <summary>
/// Walks records and profiles every leaf field by path: objects are entered (<c>order.total</c>), arrays are
/// counted as type <c>array</c> and their elements profiled under <c>path[]</c> (<c>rows[].price</c>); a record
/// that is itself a scalar is profiled under <c>$</c>.
/// </summary>
internal static class DataProfiler
{
    /// <summary>The path of a record that is a scalar rather than an object.</summary>
    public const string RootPath = "$";

    /// <summary>Profiles records, each with the name of its source; fields come back in order of first appearance.</summary>
    public static IReadOnlyList<FieldProfile> Profile(IEnumerable<(string Source, JsonNode? Record)> records)
    {
        var fields = new Dictionary<string, FieldProfile>(StringComparer.Ordinal);
        var order = new List<FieldProfile>();
        foreach (var (source, record) in records)
        {
            if (record is JsonObject obj)
            {
                foreach (var (name, child) in obj)
                {
                    Walk(child, name, source, fields, order);
                }
            }
            else
            {
                Walk(record, RootPath, source, fields, order);
            }
        }

        return order;
    }

    private static void Walk(JsonNode? node, string path, string source, Dictionary<string, FieldProfile> fields, List<FieldProfile> order)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    Walk(child, path + "." + name, source, fields, order);
                }

                return;
            case JsonArray array:
                var list = Field(path, fields, order);
                list.Types.Add("array");
                list.Count++;
                foreach (var item in array)
                {
                    Walk(item, path + "[]", source, fields, order);
                }

                return;
        }

        var field = Field(path, fields, order);
        if (!field.BySource.TryGetValue(source, out var values))
        {
            field.BySource[source] = values = [];
        }

        values.Add(node?.DeepClone());
        if (node is not JsonValue value)
        {
            field.Types.Add("null");
            field.Nulls++;
            return;
        }

        field.Count++;
        switch (value.GetValueKind())
        {
            case JsonValueKind.Number:
                field.Types.Add("number");
                field.Numbers.Add(value.GetValue<double>());
                break;
            case JsonValueKind.String:
                field.Types.Add("string");
                field.Strings.Add(value.GetValue<string>());
                break;
            case JsonValueKind.True:
                field.Types.Add("boolean");
                field.True++;
                break;
            case JsonValueKind.False:
                field.Types.Add("boolean");
                field.False++;
                break;
            default:
                field.Types.Add("null");
                field.Count--;
                field.Nulls++;
                break;
        }
    }

    private static FieldProfile Field(string path, Dictionary<string, FieldProfile> fields, List<FieldProfile> order)
    {
        if (!fields.TryGetValue(path, out var field))
        {
            fields[path] = field = new FieldProfile(path);
            order.Add(field);
        }

        return field;
    }
}
