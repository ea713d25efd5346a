using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>
/// A test on one list item: <c>field</c> (a path inside the item; absent to test the item itself), <c>op</c> and
/// <c>value</c>. Ordering operators compare numbers with numbers and strings with strings; any other pair is false.
/// </summary>
internal sealed class Condition(FieldPath? field, string op, JsonNode? value)
{
    public static readonly string[] Operators = ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "exists", "starts_with", "ends_with"];

    public static Condition? Parse(RuleSpec spec)
    {
        var field = spec.Path("field", required: false);
        var op = spec.OneOf("op", required: true, Operators, "op");
        var value = spec.Raw["value"]?.DeepClone();
        switch (op)
        {
            case null:
                return null;
            case "exists" when spec.Has("value") && !JsonValues.TryGetBoolean(value, out _):
                spec.Problem("value", "for 'exists' must be true or false (or left out, meaning true).");
                return null;
            case "in" when value is not JsonArray:
                spec.Problem("value", "for 'in' must be a list of values.");
                return null;
            case "starts_with" or "ends_with" when !JsonValues.TryGetString(value, out _):
                spec.Problem("value", $"for '{op}' must be a string.");
                return null;
            case not "exists" when !spec.Has("value"):
                spec.Problem("value", $"is required for '{op}'.");
                return null;
            default:
                return new Condition(field, op, value);
        }
    }

    public bool Matches(JsonNode? item)
    {
        var found = true;
        var actual = item;
        if (field is not null)
        {
            found = field.TryGet(item, out actual);
        }

        if (op == "exists")
        {
            var wanted = !JsonValues.TryGetBoolean(value, out var flag) || flag;
            return (found && !JsonValues.IsNull(actual)) == wanted;
        }

        if (!found)
        {
            return op == "ne";
        }

        return op switch
        {
            "eq" => JsonValues.AreEqual(actual, value),
            "ne" => !JsonValues.AreEqual(actual, value),
            "gt" => JsonValues.CompareOrdered(actual, value) > 0,
            "gte" => JsonValues.CompareOrdered(actual, value) >= 0,
            "lt" => JsonValues.CompareOrdered(actual, value) < 0,
            "lte" => JsonValues.CompareOrdered(actual, value) <= 0,
            "contains" => actual switch
            {
                JsonArray list => list.Any(n => JsonValues.AreEqual(n, value)),
                _ => JsonValues.TryGetString(actual, out var text) && JsonValues.TryGetString(value, out var part) && text.Contains(part, StringComparison.Ordinal),
            },
            "in" => value is JsonArray options && options.Any(n => JsonValues.AreEqual(actual, n)),
            "starts_with" => JsonValues.TryGetString(actual, out var s) && s.StartsWith(value!.GetValue<string>(), StringComparison.Ordinal),
            "ends_with" => JsonValues.TryGetString(actual, out var e) && e.EndsWith(value!.GetValue<string>(), StringComparison.Ordinal),
            _ => false,
        };
    }
}
