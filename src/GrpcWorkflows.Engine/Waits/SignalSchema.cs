using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Json.Schema;

namespace GrpcWorkflows.Engine.Waits;

/// <summary>The JSON Schema of a <c>wait_for_signal</c> step's payload (JsonSchema.Net).</summary>
internal static class SignalSchema
{
    /// <summary>Loads a schema written as a Struct; null with <paramref name="error"/> when it is not a schema.</summary>
    public static JsonSchema? Load(Struct schema, out string? error)
    {
        error = null;
        try
        {
            return JsonSchema.FromText(JsonFormatter.Default.Format(schema));
        }
        catch (Exception e) when (e is JsonException or JsonSchemaException or InvalidOperationException or ArgumentException or FormatException or RefResolutionException)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>The payload's violations as <c>/pointer: message</c>, at most <paramref name="max"/>; empty when it satisfies the schema.</summary>
    public static List<string> Violations(JsonSchema schema, Struct payload, int max = 10)
    {
        using var document = JsonDocument.Parse(JsonFormatter.Default.Format(payload));
        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var violations = new List<string>();
        if (results.IsValid)
        {
            return violations;
        }

        foreach (var node in results.Details is { Count: > 0 } details ? details : [results])
        {
            if (node.Errors is null)
            {
                continue;
            }

            foreach (var (keyword, message) in node.Errors)
            {
                if (violations.Count < max)
                {
                    violations.Add($"{(node.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {keyword}: {message}");
                }
            }
        }

        if (violations.Count == 0)
        {
            violations.Add("/: the payload does not match the schema");
        }

        return violations;
    }
}
