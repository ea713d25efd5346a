using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary><c>{"type": "remove", "field": "secret"}</c> or <c>{"type": "remove", "fields": ["a", "b.c"]}</c>; missing fields are ignored.</summary>
internal sealed class RemoveRule(string location, IReadOnlyList<FieldPath> fields) : Rule(location, "remove")
{
    public static Rule? Parse(RuleSpec spec)
    {
        spec.AllowOnly("field", "fields");
        if (spec.Has("field") == spec.Has("fields"))
        {
            spec.Problem("field", "give exactly one of field or fields.");
            return null;
        }

        var fields = spec.Has("field") ? spec.Path("field", required: true) is { } one ? [one] : null : spec.Paths("fields", required: true);
        return fields is null ? null : new RemoveRule(spec.Location, fields);
    }

    public override void Apply(JsonObject data)
    {
        foreach (var field in fields)
        {
            field.Remove(data, out _);
        }
    }
}
