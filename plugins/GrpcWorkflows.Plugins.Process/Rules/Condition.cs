using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>
/// A test on one list item: <c>field</c> (a path inside the item; absent to test the item itself), <c>op</c> and
/// <c>value</c>; or <c>all</c> / <c>any</c>, a list of such tests that must all / may any hold (nestable).
/// Ordering operators compare numbers with numbers and strings with strings; any other pair is false.
/// </summary>
internal sealed class Condition(FieldPath? field, string op, JsonNode? value, IReadOnlyList<Condition>? children = null)
{
    public static readonly string[] Operators = ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "exists", "starts_with", "ends_with"];

    /// <summary>Parses a condition from a rule (or from one entry of <c>all</c>/<c>any</c>).</summary>
    public static Condition? Parse(RuleSpec spec)
    {
        foreach (var group in new[] { "all", "any" })
        {
            if (!spec.Has(group))
            {
                continue;
            }

            if (spec.Has("op") || spec.Has("field") || spec.Has("value") || spec.Has(group == "all" ? "any" : "all"))
            {
                spec.Problem(group, "give either one test (field, op, value) or one list of tests (all or any), not both.");
                return null;
            }

            if (spec.Raw[group] is not JsonArray { Count: > 0 } entries)
            {
                spec.Problem(group, "must be a non-empty list of {field, op, value} tests.");
                return null;
            }

            var parsed = new List<Condition>();
            for (var i = 0; i < entries.Count; i++)
            {
                if (entries[i] is not JsonObject entry)
                {
                    spec.Problem($"{group}[{i}]", "must be an object {field, op, value}.");
                    continue;
                }

                var entrySpec = new RuleSpec(entry, $"{spec.Location}.{group}[{i}]", spec.Problems);
                entrySpec.AllowOnly("field", "op", "value", "all", "any");
                if (Parse(entrySpec) is { } child)
                {
                    parsed.Add(child);
                }
            }

            return parsed.Count == entries.Count ? new Condition(null, group, null, parsed) : null;
        }

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
        if (children is not null)
        {
            return op == "all" ? children.All(c => c.Matches(item)) : children.Any(c => c.Matches(item));
        }

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
