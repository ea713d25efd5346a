using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Process.Json;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary><c>{"type": "rename", "from": "old_name", "to": "new_name"}</c>.</summary>
internal sealed class RenameRule(string location, FieldPath from, FieldPath to) : Rule(location, "rename")
{
    public static Rule? Parse(RuleSpec spec)
    {
        spec.AllowOnly("from", "to");
        var from = spec.Path("from", required: true);
        var to = spec.Path("to", required: true);
        return from is null || to is null ? null : new RenameRule(spec.Location, from, to);
    }

    public override void Apply(JsonObject data)
    {
        if (!from.Remove(data, out var value))
        {
            throw Fail($"field '{from}' not found.");
        }

        try
        {
            to.Set(data, value);
        }
        catch (FieldPathException ex)
        {
            throw Fail(ex.Message);
        }
    }
}
