using System.Text.Json.Nodes;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>One validated rule, ready to run over the step's data.</summary>
internal abstract class Rule(string location, string type)
{
    /// <summary>Where the rule sits in the input, for messages: <c>rules[2]</c>, <c>rules[1].rules[0]</c>.</summary>
    public string Location { get; } = location;

    /// <summary>The rule type.</summary>
    public string Type { get; } = type;

    /// <summary>Runs the rule, changing <paramref name="data"/> in place.</summary>
    public abstract void Apply(JsonObject data);

    /// <summary>A non-retryable failure of this rule at run time, naming it.</summary>
    protected StepFailedException Fail(string message) => StepFailedException.InvalidInput($"{Location} ({Type}): {message}");

    /// <summary>The list at <paramref name="path"/>, or a failure naming it.</summary>
    protected JsonArray RequireList(JsonNode? data, Json.FieldPath path)
    {
        if (!path.TryGet(data, out var node))
        {
            throw Fail($"list '{path}' not found.");
        }

        return node as JsonArray ?? throw Fail($"'{path}' is a {Json.FieldPath.Describe(node)}, not a list.");
    }
}
