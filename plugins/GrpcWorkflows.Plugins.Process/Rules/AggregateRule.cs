using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>
/// Aggregates a list: one metric (<c>operation</c>, <c>field</c>, <c>as</c>) or several (<c>metrics</c>), optionally per
/// group (<c>group_by</c>: a field or a list of fields), written to <c>target</c>.
/// </summary>
/// <remarks>
/// Without <c>group_by</c>: one metric writes its number to <c>target</c> (default: the metric's name); several write
/// an object of them (default target <c>aggregates</c>). With <c>group_by</c>: a list of one object per group, in
/// order of first appearance, holding the group fields and the metrics (default target <c>groups</c>).
/// A metric's name is <c>as</c>, else <c>count</c> for a count without field, else <c>operation_field</c>
/// (<c>sum_amount</c>). Missing and null values are skipped; avg, min and max of nothing are null.
/// </remarks>
internal sealed class AggregateRule(string location, FieldPath list, IReadOnlyList<AggregateRule.Metric> metrics, IReadOnlyList<FieldPath>? groupBy, FieldPath target, bool single)
    : Rule(location, "aggregate")
{
    public static readonly string[] Operations = ["count", "sum", "avg", "min", "max"];

    public static Rule? Parse(RuleSpec spec)
    {
        spec.AllowOnly("list", "operation", "field", "as", "metrics", "group_by", "target");
        var list = spec.Path("list", required: false, defaultPath: "items");
        var groupBy = spec.Has("group_by") ? spec.Paths("group_by", required: true) : null;
        var target = spec.Path("target", required: false);
        var metrics = new List<Metric>();
        var single = !spec.Has("metrics");
        if (single)
        {
            if (ParseMetric(spec) is { } metric)
            {
                metrics.Add(metric);
            }
        }
        else
        {
            if (spec.Has("operation") || spec.Has("field") || spec.Has("as"))
            {
                spec.Problem("metrics", "give either metrics or operation/field/as, not both.");
            }

            if (spec.Raw["metrics"] is not JsonArray { Count: > 0 } entries)
            {
                spec.Problem("metrics", "must be a non-empty list of {operation, field, as}.");
                return null;
            }

            for (var i = 0; i < entries.Count; i++)
            {
                if (entries[i] is not JsonObject entry)
                {
                    spec.Problem($"metrics[{i}]", "must be an object {operation, field, as}.");
                    continue;
                }

                var metricSpec = new RuleSpec(entry, $"{spec.Location}.metrics[{i}]", spec.Problems);
                metricSpec.AllowOnly("operation", "field", "as");
                if (ParseMetric(metricSpec) is { } metric)
                {
                    metrics.Add(metric);
                }
            }

            foreach (var duplicate in metrics.GroupBy(m => m.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                spec.Problem("metrics", $"two metrics are named '{duplicate.Key}'; set distinct 'as' names.");
            }
        }

        if (list is null || metrics.Count == 0 || (spec.Has("group_by") && groupBy is null))
        {
            return null;
        }

        var defaultTarget = groupBy is not null ? "groups" : single ? metrics[0].Name : "aggregates";
        if (target is null && !FieldPath.TryParse(defaultTarget, out target))
        {
            spec.Problem("target", $"the default target '{defaultTarget}' is not a field path; set target.");
            return null;
        }

        return new AggregateRule(spec.Location, list, metrics, groupBy, target, single);
    }

    public override void Apply(JsonObject data)
    {
        var items = RequireList(data, list);
        JsonNode? result;
        if (groupBy is null)
        {
            var values = metrics.Select(m => (m.Name, Value: Compute(m, items))).ToList();
            result = single ? values[0].Value : Object(values);
        }
        else
        {
            var groups = new Dictionary<string, (JsonObject Row, List<JsonNode?> Items)>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var item in items)
            {
                var keyValues = groupBy.Select(path => path.TryGet(item, out var v) ? v : null).ToList();
                var key = string.Join("\u001f", keyValues.Select(JsonValues.Key));
                if (!groups.TryGetValue(key, out var group))
                {
                    var row = new JsonObject();
                    for (var i = 0; i < groupBy.Count; i++)
                    {
                        groupBy[i].Set(row, keyValues[i]?.DeepClone());
                    }

                    group = (row, []);
                    groups[key] = group;
                    order.Add(key);
                }

                group.Items.Add(item);
            }

            var rows = new JsonArray();
            foreach (var key in order)
            {
                var (row, members) = groups[key];
                foreach (var metric in metrics)
                {
                    row[metric.Name] = Compute(metric, members);
                }

                rows.Add(row);
            }

            result = rows;
        }

        try
        {
            target.Set(data, result);
        }
        catch (FieldPathException ex)
        {
            throw Fail(ex.Message);
        }
    }

    private static Metric? ParseMetric(RuleSpec spec)
    {
        var operation = spec.OneOf("operation", required: true, Operations, "operation");
        var field = spec.Path("field", required: operation is not null and not "count");
        var name = spec.String("as", required: false);
        if (operation is null || (operation != "count" && field is null))
        {
            return null;
        }

        name ??= field is null ? operation : $"{operation}_{field.Text.Replace('.', '_')}";
        return new Metric(operation, field, name);
    }

    private static JsonObject Object(IEnumerable<(string Name, JsonNode? Value)> values)
    {
        var obj = new JsonObject();
        foreach (var (name, value) in values)
        {
            obj[name] = value;
        }

        return obj;
    }

    private JsonNode? Compute(Metric metric, IList<JsonNode?> items)
    {
        if (metric.Operation == "count")
        {
            return JsonValues.Number(metric.Field is null
                ? items.Count
                : items.Count(item => metric.Field.TryGet(item, out var v) && !JsonValues.IsNull(v)));
        }

        var numbers = new List<double>();
        for (var i = 0; i < items.Count; i++)
        {
            if (!metric.Field!.TryGet(items[i], out var value) || JsonValues.IsNull(value))
            {
                continue;
            }

            if (!JsonValues.TryGetNumber(value, out var number))
            {
                throw Fail($"item {i}: '{metric.Field}' is a {FieldPath.Describe(value)} ({JsonValues.Display(value)}), not a number; convert it with a to_number transform first.");
            }

            numbers.Add(number);
        }

        return metric.Operation switch
        {
            "sum" => JsonValues.Number(numbers.Sum()),
            "avg" => numbers.Count == 0 ? null : JsonValues.Number(numbers.Average()),
            "min" => numbers.Count == 0 ? null : JsonValues.Number(numbers.Min()),
            "max" => numbers.Count == 0 ? null : JsonValues.Number(numbers.Max()),
            _ => throw new InvalidOperationException($"operation '{metric.Operation}' passed validation but has no implementation."),
        };
    }

    /// <summary>One metric of an aggregate rule.</summary>
    internal sealed record Metric(string Operation, FieldPath? Field, string Name);
}
