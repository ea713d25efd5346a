using System.Globalization;
using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary><c>{"type": "transform", "field": "name", "operation": "uppercase", "digits": 2, "separator": ",", "target": "other"}</c>.</summary>
internal sealed class TransformRule(string location, FieldPath field, string operation, int digits, string separator, FieldPath target)
    : Rule(location, "transform")
{
    public static readonly string[] Operations =
    [
        "uppercase", "lowercase", "trim", "round", "floor", "ceil", "abs", "negate",
        "to_number", "to_string", "to_boolean", "length", "reverse", "split", "join",
    ];

    public static Rule? Parse(RuleSpec spec)
    {
        spec.AllowOnly("field", "operation", "digits", "separator", "target");
        var field = spec.Path("field", required: true);
        var operation = spec.OneOf("operation", required: true, Operations, "operation");
        var digits = spec.Integer("digits", 0, 15) ?? 0;
        var separator = spec.String("separator", required: false) ?? ",";
        var target = spec.Path("target", required: false);
        if (spec.Has("digits") && operation is not null and not "round")
        {
            spec.Problem("digits", "only applies to the 'round' operation.");
        }

        return field is null || operation is null ? null : new TransformRule(spec.Location, field, operation, digits, separator, target ?? field);
    }

    public override void Apply(JsonObject data)
    {
        if (!field.TryGet(data, out var value))
        {
            throw Fail($"field '{field}' not found.");
        }

        JsonNode? result;
        try
        {
            result = Transform(value);
        }
        catch (FormatException ex)
        {
            throw Fail(ex.Message);
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

    private JsonNode? Transform(JsonNode? value) => operation switch
    {
        "uppercase" => JsonValue.Create(Text(value).ToUpperInvariant()),
        "lowercase" => JsonValue.Create(Text(value).ToLowerInvariant()),
        "trim" => JsonValue.Create(Text(value).Trim()),
        "round" => JsonValues.Number(Math.Round(Number(value), digits, MidpointRounding.AwayFromZero)),
        "floor" => JsonValues.Number(Math.Floor(Number(value))),
        "ceil" => JsonValues.Number(Math.Ceiling(Number(value))),
        "abs" => JsonValues.Number(Math.Abs(Number(value))),
        "negate" => JsonValues.Number(-Number(value)),
        "to_number" => ToNumber(value),
        "to_string" => JsonValue.Create(ToText(value)),
        "to_boolean" => JsonValue.Create(ToBoolean(value)),
        "length" => value switch
        {
            JsonArray list => JsonValues.Number(list.Count),
            JsonObject obj => JsonValues.Number(obj.Count),
            _ => JsonValues.Number(Text(value).Length),
        },
        "reverse" => value is JsonArray list
            ? new JsonArray([.. list.Reverse().Select(n => n?.DeepClone())])
            : JsonValue.Create(new string([.. Text(value).Reverse()])),
        "split" => new JsonArray([.. Text(value).Split(separator).Select(s => (JsonNode?)JsonValue.Create(s))]),
        "join" => value is JsonArray items
            ? JsonValue.Create(string.Join(separator, items.Select(ToText)))
            : throw new FormatException($"field '{field}' is a {FieldPath.Describe(value)}, not a list."),
        _ => throw new InvalidOperationException($"operation '{operation}' passed validation but has no implementation."),
    };

    private string Text(JsonNode? value) => JsonValues.TryGetString(value, out var text)
        ? text
        : throw new FormatException($"field '{field}' is a {FieldPath.Describe(value)}, not a string (use to_string first).");

    private double Number(JsonNode? value) => JsonValues.TryGetNumber(value, out var number)
        ? number
        : throw new FormatException($"field '{field}' is a {FieldPath.Describe(value)}, not a number (use to_number first).");

    private JsonNode ToNumber(JsonNode? value)
    {
        if (JsonValues.TryGetNumber(value, out var number))
        {
            return JsonValues.Number(number);
        }

        if (JsonValues.TryGetBoolean(value, out var flag))
        {
            return JsonValues.Number(flag ? 1 : 0);
        }

        if (JsonValues.TryGetString(value, out var text)
            && double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out number)
            && double.IsFinite(number))
        {
            return JsonValues.Number(number);
        }

        throw new FormatException($"field '{field}' holds {JsonValues.Display(value)}, which is not a number.");
    }

    private static string ToText(JsonNode? value) =>
        JsonValues.TryGetString(value, out var text) ? text
        : JsonValues.TryGetNumber(value, out var number) ? number.ToString("R", CultureInfo.InvariantCulture)
        : JsonValues.IsNull(value) ? string.Empty
        : value!.ToJsonString();

    private bool ToBoolean(JsonNode? value)
    {
        if (JsonValues.TryGetBoolean(value, out var flag))
        {
            return flag;
        }

        if (JsonValues.TryGetNumber(value, out var number))
        {
            return number != 0;
        }

        if (JsonValues.TryGetString(value, out var text))
        {
            switch (text.Trim().ToUpperInvariant())
            {
                case "TRUE" or "YES" or "Y" or "1":
                    return true;
                case "FALSE" or "NO" or "N" or "0" or "":
                    return false;
            }
        }

        throw new FormatException($"field '{field}' holds {JsonValues.Display(value)}, which is not a boolean.");
    }
}
