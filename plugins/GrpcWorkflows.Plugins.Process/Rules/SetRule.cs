using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary><c>{"type": "set", "field": "status", "value": "done"}</c> or <c>{"type": "set", "field": "copy", "from": "original"}</c>.</summary>
internal sealed class SetRule(string location, FieldPath field, JsonNode? value, FieldPath? from) : Rule(location, "set")
{
    public static Rule? Parse(RuleSpec spec)
    {
        spec.AllowOnly("field", "value", "from");
        var field = spec.Path("field", required: true);
        var from = spec.Path("from", required: false);
        if (spec.Has("value") == spec.Has("from"))
        {
            spec.Problem("value", "give exactly one of value (a literal) or from (a field to copy).");
            return null;
        }

        return field is null ? null : new SetRule(spec.Location, field, spec.Raw["value"]?.DeepClone(), from);
    }

    public override void Apply(JsonObject data)
    {
        JsonNode? newValue;
        if (from is null)
        {
            newValue = value?.DeepClone();
        }
        else if (from.TryGet(data, out var source))
        {
            newValue = source?.DeepClone();
        }
        else
        {
            throw Fail($"field '{from}' not found.");
        }

        RuleBudget.Current?.Grow(newValue, this);
        try
        {
            field.Set(data, newValue);
        }
        catch (FieldPathException ex)
        {
            throw Fail(ex.Message);
        }
    }
}
