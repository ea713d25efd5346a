using System.Globalization;
using System.Text.Json.Nodes;

namespace GrpcWorkflows.Plugins.Process.Json;

/// <summary>A dotted field path such as <c>customer.address.city</c> or <c>items.0.name</c> (a number indexes a list).</summary>
internal sealed class FieldPath
{
    private readonly string[] _segments;

    private FieldPath(string text, string[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    public static bool TryParse(string? text, out FieldPath path)
    {
        path = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var segments = text.Split('.');
        if (segments.Any(s => s.Length == 0))
        {
            return false;
        }

        path = new FieldPath(text, segments);
        return true;
    }

    public override string ToString() => Text;

    /// <summary>Finds the value; <c>found</c> is false when a segment is missing (a present JSON null is found).</summary>
    public bool TryGet(JsonNode? root, out JsonNode? value)
    {
        var current = root;
        foreach (var segment in _segments)
        {
            if (!TryStep(current, segment, out current))
            {
                value = null;
                return false;
            }
        }

        value = current;
        return true;
    }

    /// <summary>Sets the value, creating missing objects along the way.</summary>
    public void Set(JsonObject root, JsonNode? value)
    {
        JsonNode current = root;
        for (var i = 0; i < _segments.Length - 1; i++)
        {
            var segment = _segments[i];
            if (!TryStep(current, segment, out var next) || next is null)
            {
                if (current is not JsonObject obj)
                {
                    throw new FieldPathException($"cannot create '{segment}' inside a list at '{Text}'.");
                }

                next = new JsonObject();
                obj[segment] = next;
            }

            if (next is not JsonObject and not JsonArray)
            {
                throw new FieldPathException($"'{string.Join('.', _segments[..(i + 1)])}' is a {Describe(next)}, not an object, so '{Text}' cannot be set.");
            }

            current = next;
        }

        var last = _segments[^1];
        switch (current)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array when TryIndex(array, last, out var index):
                array[index] = value;
                break;
            default:
                throw new FieldPathException($"'{Text}' does not name an object field or an existing list item.");
        }
    }

    /// <summary>Removes the value if present; returns it (detached) or null.</summary>
    public bool Remove(JsonObject root, out JsonNode? removed)
    {
        removed = null;
        JsonNode? parent = root;
        for (var i = 0; i < _segments.Length - 1; i++)
        {
            if (!TryStep(parent, _segments[i], out parent))
            {
                return false;
            }
        }

        var last = _segments[^1];
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(last, out var value):
                obj.Remove(last);
                removed = value;
                return true;
            case JsonArray array when TryIndex(array, last, out var index):
                removed = array[index];
                array.RemoveAt(index);
                return true;
            default:
                return false;
        }
    }

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "list",
        JsonValue v => v.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => "string",
            System.Text.Json.JsonValueKind.Number => "number",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
            _ => "value",
        },
        _ => "value",
    };

    private static bool TryStep(JsonNode? current, string segment, out JsonNode? next)
    {
        switch (current)
        {
            case JsonObject obj:
                return obj.TryGetPropertyValue(segment, out next);
            case JsonArray array when TryIndex(array, segment, out var index):
                next = array[index];
                return true;
            default:
                next = null;
                return false;
        }
    }

    private static bool TryIndex(JsonArray array, string segment, out int index) =>
        int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < array.Count;
}
