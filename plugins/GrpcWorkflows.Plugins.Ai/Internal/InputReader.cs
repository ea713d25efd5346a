using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Ai.Internal;

/// <summary>
/// Typed access to a step's input. Every problem becomes an <c>INVALID_ARGUMENT</c> <see cref="StepFailedException"/>
/// that names the field (<c>input.labels</c>) and says what was expected.
/// </summary>
internal sealed class InputReader(JsonObject input)
{
    public JsonObject Json { get; } = input;

    public bool Has(string name) => Json.TryGetPropertyValue(name, out var node) && node is not null;

    public JsonNode? Node(string name) => Json.TryGetPropertyValue(name, out var node) ? node : null;

    /// <summary>Fails on any field the task does not take, so a typo is reported instead of ignored.</summary>
    public void RejectUnknown(string task, IReadOnlyCollection<string> allowed)
    {
        foreach (var (name, _) in Json)
        {
            if (!allowed.Contains(name))
            {
                throw StepFailedException.InvalidInput(
                    $"input.{name} is not an input of the '{task}' task; it takes: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}.");
            }
        }
    }

    public string? OptionalString(string name)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }

        throw StepFailedException.InvalidInput($"input.{name} must be a string, not {Describe(node)}.");
    }

    public string RequiredString(string name, string task)
    {
        var text = OptionalString(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw StepFailedException.InvalidInput($"input.{name} is required by the '{task}' task and must be a non-empty string.");
        }

        return text;
    }

    /// <summary>An array of strings (each non-empty), or null when absent.</summary>
    public IReadOnlyList<string>? OptionalStringList(string name)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray array)
        {
            throw StepFailedException.InvalidInput($"input.{name} must be an array of strings, not {Describe(node)}.");
        }

        var result = new List<string>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue value && value.GetValueKind() == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetValue<string>()))
            {
                result.Add(value.GetValue<string>());
            }
            else
            {
                throw StepFailedException.InvalidInput($"input.{name}[{i}] must be a non-empty string, not {Describe(array[i])}.");
            }
        }

        return result;
    }

    /// <summary>The texts of a task that takes either <c>text</c> (one) or <c>texts</c> (many).</summary>
    /// <returns>The texts and whether the input gave a single <c>text</c>.</returns>
    public (IReadOnlyList<string> Texts, bool Single) TextOrTexts(string task, int minimum = 1)
    {
        var single = OptionalString("text");
        var many = OptionalStringList("texts");
        if (single is not null && many is not null)
        {
            throw StepFailedException.InvalidInput($"The '{task}' task takes input.text or input.texts, not both.");
        }

        if (single is not null)
        {
            if (string.IsNullOrWhiteSpace(single))
            {
                throw StepFailedException.InvalidInput("input.text must be a non-empty string.");
            }

            return ([single], true);
        }

        if (many is null || many.Count < minimum)
        {
            throw StepFailedException.InvalidInput(
                $"The '{task}' task needs input.text (a string) or input.texts (an array of at least {minimum} string{(minimum == 1 ? "" : "s")}).");
        }

        return (many, false);
    }

    public int OptionalInt(string name, int defaultValue, int minimum, int maximum)
    {
        var node = Node(name);
        if (node is null)
        {
            return defaultValue;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var number)
            && number == Math.Floor(number) && number >= minimum && number <= maximum)
        {
            return (int)number;
        }

        throw StepFailedException.InvalidInput(
            $"input.{name} must be a whole number from {minimum.ToString(CultureInfo.InvariantCulture)} to {maximum.ToString(CultureInfo.InvariantCulture)}, not {Describe(node)}.");
    }

    public double? OptionalDouble(string name, double minimum, double maximum)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var number)
            && number >= minimum && number <= maximum)
        {
            return number;
        }

        throw StepFailedException.InvalidInput(
            $"input.{name} must be a number from {minimum.ToString(CultureInfo.InvariantCulture)} to {maximum.ToString(CultureInfo.InvariantCulture)}, not {Describe(node)}.");
    }

    public bool OptionalBool(string name, bool defaultValue)
    {
        var node = Node(name);
        if (node is null)
        {
            return defaultValue;
        }

        return node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? value.GetValue<bool>()
            : throw StepFailedException.InvalidInput($"input.{name} must be true or false, not {Describe(node)}.");
    }

    /// <summary>
    /// Labels for zero-shot classification: an array of label names (each its own description), or an object mapping
    /// each label to the description that is embedded.
    /// </summary>
    public IReadOnlyList<LabelDescription>? OptionalLabels(string name)
    {
        var node = Node(name);
        switch (node)
        {
            case null:
                return null;
            case JsonArray:
                var names = OptionalStringList(name)!;
                if (names.Count == 0)
                {
                    break;
                }

                var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
                return duplicate is not null
                    ? throw StepFailedException.InvalidInput($"input.{name} lists '{duplicate.Key}' twice.")
                    : names.Select(n => new LabelDescription(n, n)).ToList();
            case JsonObject labels when labels.Count > 0:
                var result = new List<LabelDescription>(labels.Count);
                foreach (var (label, description) in labels)
                {
                    if (description is JsonValue value && value.GetValueKind() == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetValue<string>()))
                    {
                        result.Add(new LabelDescription(label, value.GetValue<string>()));
                    }
                    else
                    {
                        throw StepFailedException.InvalidInput($"input.{name}.{label} must be a non-empty string describing the label, not {Describe(description)}.");
                    }
                }

                return result;
        }

        throw StepFailedException.InvalidInput(
            $"input.{name} must be a non-empty array of label names or an object mapping each label to its description, not {Describe(node)}.");
    }

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => $"the number {value.ToJsonString()}",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => value.ToJsonString(),
        },
        _ => node.GetType().Name,
    };
}
