using System.Text.Json;
using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>Reads the fields of one rule object, recording every problem with its location.</summary>
internal sealed class RuleSpec(JsonObject rule, string location, List<string> problems)
{
    public string Location { get; } = location;

    public JsonObject Raw { get; } = rule;

    public List<string> Problems { get; } = problems;

    public bool Has(string name) => Raw.ContainsKey(name);

    public void Problem(string field, string message) => Problems.Add($"{Location}.{field}: {message}");

    public void AllowOnly(params string[] names)
    {
        foreach (var (name, _) in Raw)
        {
            if (name != "type" && !names.Contains(name))
            {
                var where = Raw["type"] is { } type ? $" for a '{type}' rule" : string.Empty;
                Problem(name, $"unknown field{where} (allowed: {string.Join(", ", names)}).");
            }
        }
    }

    public string? String(string name, bool required)
    {
        if (!Raw.TryGetPropertyValue(name, out var node) || node is null)
        {
            if (required)
            {
                Problem(name, "is required.");
            }

            return null;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }

        Problem(name, $"must be a string, not a {FieldPath.Describe(node)}.");
        return null;
    }

    public FieldPath? Path(string name, bool required, string? defaultPath = null)
    {
        var text = String(name, required && defaultPath is null) ?? defaultPath;
        if (text is null)
        {
            return null;
        }

        if (FieldPath.TryParse(text, out var path))
        {
            return path;
        }

        Problem(name, $"'{text}' is not a field path (use names separated by dots, such as customer.name).");
        return null;
    }

    /// <summary>A field path or a list of them.</summary>
    public List<FieldPath>? Paths(string name, bool required)
    {
        if (!Raw.TryGetPropertyValue(name, out var node) || node is null)
        {
            if (required)
            {
                Problem(name, "is required.");
            }

            return null;
        }

        var texts = node switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
            JsonArray a when a.All(n => n is JsonValue e && e.GetValueKind() == JsonValueKind.String) => a.Select(n => n!.GetValue<string>()).ToList(),
            _ => null,
        };
        if (texts is null || texts.Count == 0)
        {
            Problem(name, "must be a field path or a non-empty list of field paths.");
            return null;
        }

        var paths = new List<FieldPath>();
        foreach (var text in texts)
        {
            if (FieldPath.TryParse(text, out var path))
            {
                paths.Add(path);
            }
            else
            {
                Problem(name, $"'{text}' is not a field path.");
            }
        }

        return paths;
    }

    public int? Integer(string name, int min, int max)
    {
        if (!Raw.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (JsonValues.TryGetNumber(node, out var number) && number == Math.Floor(number) && number >= min && number <= max)
        {
            return (int)number;
        }

        Problem(name, $"must be a whole number from {min} to {max}.");
        return null;
    }

    public string? OneOf(string name, bool required, IReadOnlyCollection<string> allowed, string what, string? defaultValue = null)
    {
        var value = String(name, required && defaultValue is null);
        if (value is null)
        {
            return Has(name) ? null : defaultValue;
        }

        if (!allowed.Contains(value))
        {
            Problem(name, $"unknown {what} '{value}' (expected one of: {string.Join(", ", allowed)}).");
            return null;
        }

        return value;
    }
}
