using System.Text.Json;
using System.Text.Json.Nodes;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>Validates the whole <c>rules</c> list before anything runs, collecting every problem with its location.</summary>
internal static class RuleParser
{
    public static readonly string[] RuleTypes = ["transform", "set", "rename", "remove", "filter", "map", "aggregate", "sort", "dedupe", "limit"];

    /// <summary>Parses the rules; <paramref name="problems"/> receives one message per problem.</summary>
    public static IReadOnlyList<Rule> Parse(JsonNode? rules, string location, List<string> problems)
    {
        if (rules is null)
        {
            return [];
        }

        if (rules is not JsonArray list)
        {
            problems.Add($"{location}: must be a list of rules.");
            return [];
        }

        if (list.Count > RuleBudget.MaxRules)
        {
            problems.Add($"{location}: {list.Count} rules; the limit is {RuleBudget.MaxRules}.");
            return [];
        }

        var parsed = new List<Rule>();
        for (var i = 0; i < list.Count; i++)
        {
            var ruleLocation = $"{location}[{i}]";
            if (list[i] is not JsonObject rule)
            {
                problems.Add($"{ruleLocation}: must be an object with a type.");
                continue;
            }

            var spec = new RuleSpec(rule, ruleLocation, problems);
            var type = rule["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
            var parsedRule = type switch
            {
                null => Missing(spec),
                "transform" => TransformRule.Parse(spec),
                "set" => SetRule.Parse(spec),
                "rename" => RenameRule.Parse(spec),
                "remove" => RemoveRule.Parse(spec),
                "filter" => FilterRule.Parse(spec),
                "map" => MapRule.Parse(spec, Parse),
                "aggregate" => AggregateRule.Parse(spec),
                "sort" => SortRule.Parse(spec),
                "dedupe" => DedupeRule.Parse(spec),
                "limit" => LimitRule.Parse(spec),
                _ => Unknown(spec, type),
            };
            if (parsedRule is not null)
            {
                parsed.Add(parsedRule);
            }
        }

        return parsed;
    }

    private static Rule? Missing(RuleSpec spec)
    {
        spec.Problem("type", $"is required (one of: {string.Join(", ", RuleTypes)}).");
        return null;
    }

    private static Rule? Unknown(RuleSpec spec, string type)
    {
        spec.Problem("type", $"unknown rule type '{type}' (expected one of: {string.Join(", ", RuleTypes)}).");
        return null;
    }
}
