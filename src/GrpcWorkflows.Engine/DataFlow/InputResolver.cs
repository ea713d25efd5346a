using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Engine.DataFlow;

/// <summary>
/// Resolves the references of a step's input against its upstream outputs and the workflow
/// input. A reference that is the whole string keeps its JSON type; inside a longer string it
/// is interpolated as text. A missing path is an error naming the field, the reference and the
/// missing part.
/// </summary>
internal static class InputResolver
{
    /// <summary>The secret provider of one resolution, and the secret values it used.</summary>
    /// <param name="Provider">Where secrets come from.</param>
    internal sealed record SecretUse(Secrets.ISecretProvider Provider)
    {
        /// <summary>The values resolved, to redact from what the executor sends back.</summary>
        public List<string> Used { get; } = [];
    }

    /// <summary>The item a <c>for_each</c> step's attempt runs: what <c>{{ item }}</c> and <c>{{ item_index }}</c> read.</summary>
    /// <param name="Value">The item.</param>
    /// <param name="Index">Its 0-based position in the array.</param>
    internal sealed record ItemScope(Value Value, int Index);

    /// <summary>
    /// Resolves <paramref name="input"/>; returns null and sets <paramref name="error"/> when a reference
    /// cannot be resolved. Errors name the field from <paramref name="root"/> (<c>input</c> for a step's
    /// input, <c>output</c> for the workflow's declared result).
    /// </summary>
    /// <remarks>
    /// <c>{{ secrets.NAME }}</c> resolves only when <paramref name="secrets"/> is given (a step's input
    /// at dispatch); each value used is added to it, for redaction. Messages name the secret, never its value.
    /// </remarks>
    public static Struct? Resolve(Struct input, Func<string, Struct?> stepOutput, Func<string, bool> stepExists, Struct? workflowInput, out string? error, string root = "input", SecretUse? secrets = null, ItemScope? item = null)
    {
        error = null;
        var path = new Stack<string>();
        path.Push(root);
        return ResolveStruct(input, stepOutput, stepExists, workflowInput, secrets, item, path, ref error);
    }

    private static Struct? ResolveStruct(Struct source, Func<string, Struct?> stepOutput, Func<string, bool> stepExists, Struct? workflowInput, SecretUse? secrets, ItemScope? item, Stack<string> path, ref string? error)
    {
        var result = new Struct();
        foreach (var (name, value) in source.Fields)
        {
            path.Push(name);
            var resolved = ResolveValue(value, stepOutput, stepExists, workflowInput, secrets, item, path, ref error);
            path.Pop();
            if (resolved is null)
            {
                return null;
            }

            result.Fields.Add(name, resolved);
        }

        return result;
    }

    private static Value? ResolveValue(Value value, Func<string, Struct?> stepOutput, Func<string, bool> stepExists, Struct? workflowInput, SecretUse? secrets, ItemScope? item, Stack<string> path, ref string? error)
    {
        switch (value.KindCase)
        {
            case Value.KindOneofCase.StringValue when TemplateParser.MayContain(value.StringValue):
                return ResolveString(value.StringValue, stepOutput, stepExists, workflowInput, secrets, item, path, ref error);
            case Value.KindOneofCase.StructValue:
                var inner = ResolveStruct(value.StructValue, stepOutput, stepExists, workflowInput, secrets, item, path, ref error);
                return inner is null ? null : Value.ForStruct(inner);
            case Value.KindOneofCase.ListValue:
                var list = new ListValue();
                var index = 0;
                foreach (var element in value.ListValue.Values)
                {
                    path.Push($"[{index++}]");
                    var resolvedItem = ResolveValue(element, stepOutput, stepExists, workflowInput, secrets, item, path, ref error);
                    path.Pop();
                    if (resolvedItem is null)
                    {
                        return null;
                    }

                    list.Values.Add(resolvedItem);
                }

                return Value.ForList([.. list.Values]);
            default:
                return value;
        }
    }

    private static Value? ResolveString(string text, Func<string, Struct?> stepOutput, Func<string, bool> stepExists, Struct? workflowInput, SecretUse? secrets, ItemScope? item, Stack<string> path, ref string? error)
    {
        var errors = new List<string>();
        var references = TemplateParser.Parse(text, stepExists, errors);
        if (errors.Count > 0)
        {
            error = $"{FieldPath(path)}: {errors[0]}";
            return null;
        }

        if (references.Count == 1 && references[0].Start == 0 && references[0].Length == text.Length)
        {
            return Lookup(references[0], stepOutput, workflowInput, secrets, item, path, ref error)?.Clone();
        }

        var builder = new System.Text.StringBuilder(text.Length);
        var position = 0;
        foreach (var reference in references)
        {
            builder.Append(text, position, reference.Start - position);
            var found = Lookup(reference, stepOutput, workflowInput, secrets, item, path, ref error);
            if (found is null)
            {
                return null;
            }

            if (!TryWriteText(found, builder, out var problem))
            {
                error = $"{FieldPath(path)}: '{reference.Text}' cannot be written into text: {problem}";
                return null;
            }

            position = reference.Start + reference.Length;
        }

        builder.Append(text, position, text.Length - position);
        return Value.ForString(builder.ToString());
    }

    private static Value? Lookup(TemplateReference reference, Func<string, Struct?> stepOutput, Struct? workflowInput, SecretUse? secrets, ItemScope? item, Stack<string> path, ref string? error)
    {
        if (reference.SecretName is { } secretName)
        {
            if (secrets is null)
            {
                error = $"{FieldPath(path)}: '{reference.Text}' cannot be resolved: secrets are only available in step inputs";
                return null;
            }

            if (!secrets.Provider.TryGetSecret(secretName, out var secret))
            {
                error = $"{FieldPath(path)}: '{reference.Text}' cannot be resolved: the secret provider has no secret '{secretName}'";
                return null;
            }

            secrets.Used.Add(secret);
            return Value.ForString(secret);
        }

        if (reference.IsItem || reference.IsItemIndex)
        {
            if (item is null)
            {
                error = $"{FieldPath(path)}: '{reference.Text}' cannot be resolved: only a step with for_each has an item";
                return null;
            }

            if (reference.IsItemIndex)
            {
                return Value.ForNumber(item.Index);
            }
        }

        Struct? root;
        string owner;
        if (reference.IsItem)
        {
            root = null;
            owner = $"item {item!.Index}";
        }
        else if (reference.StepId is null)
        {
            root = workflowInput;
            owner = "the workflow input";
        }
        else
        {
            root = stepOutput(reference.StepId);
            owner = $"the output of step '{reference.StepId}'";
        }

        if (root is null && !reference.IsItem)
        {
            error = $"{FieldPath(path)}: '{reference.Text}' cannot be resolved: {owner} is absent";
            return null;
        }

        var current = reference.IsItem ? item!.Value : Value.ForStruct(root!);
        for (var i = 0; i < reference.Path.Count; i++)
        {
            var segment = reference.Path[i];
            Value? next = null;
            if (current.KindCase == Value.KindOneofCase.StructValue && segment.Field is not null)
            {
                current.StructValue.Fields.TryGetValue(segment.Field, out next);
            }
            else if (current.KindCase == Value.KindOneofCase.ListValue)
            {
                var index = segment.Field is null ? segment.Index
                    : int.TryParse(segment.Field, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : -1;
                if (index >= 0 && index < current.ListValue.Values.Count)
                {
                    next = current.ListValue.Values[index];
                }
            }

            if (next is null)
            {
                var missing = PathSegment.Format(reference.Path.Take(i + 1).ToList());
                error = $"{FieldPath(path)}: '{reference.Text}' cannot be resolved: {owner} has no value at '{missing}'";
                return null;
            }

            current = next;
        }

        return current;
    }

    private static bool TryWriteText(Value value, System.Text.StringBuilder builder, out string? problem)
    {
        try
        {
            builder.Append(ToText(value));
            problem = null;
            return true;
        }
        catch (InvalidOperationException e)
        {
            // JsonFormatter refuses a Value without a kind or a NaN/infinite number nested in a struct or list.
            problem = e.Message;
            return false;
        }
    }

    private static string ToText(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => value.StringValue,
        Value.KindOneofCase.NumberValue => value.NumberValue.ToString("R", CultureInfo.InvariantCulture),
        Value.KindOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        Value.KindOneofCase.NullValue => "null",
        Value.KindOneofCase.None => string.Empty,
        _ => JsonFormatter.Default.Format(value),
    };

    private static string FieldPath(Stack<string> path)
    {
        var segments = path.Reverse().ToArray();
        var text = new System.Text.StringBuilder();
        foreach (var segment in segments)
        {
            if (text.Length > 0 && !segment.StartsWith('['))
            {
                text.Append('.');
            }

            text.Append(segment);
        }

        return text.ToString();
    }
}
