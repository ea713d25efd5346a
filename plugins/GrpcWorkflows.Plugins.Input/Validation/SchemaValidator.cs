using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace GrpcWorkflows.Plugins.Input.Validation;

/// <summary>Validates data against a JSON Schema (JsonSchema.Net) and lists every violation with its JSON path.</summary>
public static class SchemaValidator
{
    /// <summary>Loads a schema.</summary>
    /// <param name="schema">The schema as JSON.</param>
    /// <returns>The schema, or null with an error message when it is not a valid schema.</returns>
    public static (JsonSchema? Schema, string? Error) Load(JsonNode schema)
    {
        try
        {
            return (JsonSchema.FromText(schema.ToJsonString()), null);
        }
        catch (Exception ex) when (ex is JsonException or JsonSchemaException or InvalidOperationException or ArgumentException or FormatException or RefResolutionException)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>Validates <paramref name="instance"/>; returns every violation as <c>$.path: message</c>, empty when valid.</summary>
    /// <param name="schema">The schema.</param>
    /// <param name="instance">The data.</param>
    /// <returns>The violations, in document order of the schema's evaluation.</returns>
    public static IReadOnlyList<SchemaViolation> Validate(JsonSchema schema, JsonNode? instance)
    {
        using var document = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var violations = new List<SchemaViolation>();
        foreach (var node in results.Details is { Count: > 0 } details ? details : [results])
        {
            if (node.Errors is null)
            {
                continue;
            }

            foreach (var (keyword, message) in node.Errors)
            {
                var violation = new SchemaViolation(ToJsonPath(node.InstanceLocation.ToString()), keyword, message);
                if (!violations.Contains(violation))
                {
                    violations.Add(violation);
                }
            }
        }

        if (violations.Count == 0)
        {
            violations.Add(new SchemaViolation("$", "schema", "the data does not match the schema."));
        }

        return violations;
    }

    /// <summary>Turns a JSON Pointer (<c>/items/0/name</c>) into a JSON path (<c>$.items[0].name</c>).</summary>
    /// <param name="jsonPointer">The pointer.</param>
    /// <returns>The path.</returns>
    public static string ToJsonPath(string jsonPointer)
    {
        var path = new StringBuilder("$");
        foreach (var raw in jsonPointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (segment.All(char.IsAsciiDigit))
            {
                path.Append('[').Append(segment).Append(']');
            }
            else if (segment.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                path.Append('.').Append(segment);
            }
            else
            {
                path.Append("['").Append(segment.Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
            }
        }

        return path.ToString();
    }
}
