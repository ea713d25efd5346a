using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>
/// Runs nested rules on each object of a list, each item being the data its rules see:
/// <c>{"type": "map", "list": "items", "rules": [{"type": "transform", "field": "name", "operation": "trim"}]}</c>.
/// </summary>
internal sealed class MapRule(string location, FieldPath list, IReadOnlyList<Rule> rules) : Rule(location, "map")
{
    public static Rule? Parse(RuleSpec spec, Func<JsonNode?, string, List<string>, IReadOnlyList<Rule>> parseRules)
    {
        spec.AllowOnly("list", "rules");
        var list = spec.Path("list", required: false, defaultPath: "items");
        if (spec.Raw["rules"] is not JsonArray { Count: > 0 })
        {
            spec.Problem("rules", "must be a non-empty list of rules to run on each item.");
            return null;
        }

        var rules = parseRules(spec.Raw["rules"], $"{spec.Location}.rules", spec.Problems);
        return list is null ? null : new MapRule(spec.Location, list, rules);
    }

    public override void Apply(JsonObject data)
    {
        var items = RequireList(data, list);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not JsonObject item)
            {
                throw Fail($"item {i} of '{list}' is a {FieldPath.Describe(items[i])}; map needs objects.");
            }

            foreach (var rule in rules)
            {
                RuleBudget.Current?.Tick(rule);
                rule.Apply(item);
            }
        }
    }
}
