using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GrpcWorkflows.Plugins.Process.Json;

/// <summary>Reading, comparing and creating JSON scalars the way the rules need them.</summary>
internal static class JsonValues
{
    public static bool TryGetNumber(JsonNode? node, out double number)
    {
        number = 0;
        return node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    public static bool TryGetString(JsonNode? node, out string text)
    {
        text = string.Empty;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            text = value.GetValue<string>();
            return true;
        }

        return false;
    }

    public static bool TryGetBoolean(JsonNode? node, out bool flag)
    {
        flag = false;
        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            flag = value.GetValueKind() == JsonValueKind.True;
            return true;
        }

        return false;
    }

    public static bool IsNull(JsonNode? node) => node is null || (node is JsonValue v && v.GetValueKind() == JsonValueKind.Null);

    public static JsonNode Number(double value) => JsonValue.Create(value);

    /// <summary>Equality with numbers compared by value (1 equals 1.0).</summary>
    public static bool AreEqual(JsonNode? a, JsonNode? b)
    {
        if (IsNull(a) || IsNull(b))
        {
            return IsNull(a) && IsNull(b);
        }

        if (TryGetNumber(a, out var x) && TryGetNumber(b, out var y))
        {
            return x.Equals(y);
        }

        return JsonNode.DeepEquals(a, b);
    }

    /// <summary>
    /// A total order for sorting: numbers by value, strings ordinally, booleans false before true; across kinds
    /// booleans, then numbers, then strings, then objects and lists; nulls and missing values last.
    /// </summary>
    public static int CompareForSort(JsonNode? a, JsonNode? b)
    {
        var (rankA, rankB) = (Rank(a), Rank(b));
        if (rankA != rankB)
        {
            return rankA.CompareTo(rankB);
        }

        if (TryGetNumber(a, out var x) && TryGetNumber(b, out var y))
        {
            return x.CompareTo(y);
        }

        if (TryGetString(a, out var s) && TryGetString(b, out var t))
        {
            return string.CompareOrdinal(s, t);
        }

        if (TryGetBoolean(a, out var p) && TryGetBoolean(b, out var q))
        {
            return p.CompareTo(q);
        }

        return string.CompareOrdinal(a?.ToJsonString(), b?.ToJsonString());
    }

    /// <summary>Orders two values of the same kind (numbers or strings); null when they cannot be ordered.</summary>
    public static int? CompareOrdered(JsonNode? a, JsonNode? b)
    {
        if (TryGetNumber(a, out var x) && TryGetNumber(b, out var y))
        {
            return x.CompareTo(y);
        }

        if (TryGetString(a, out var s) && TryGetString(b, out var t))
        {
            return string.CompareOrdinal(s, t);
        }

        return null;
    }

    /// <summary>A text key for grouping and deduplication that treats equal numbers alike.</summary>
    public static string Key(JsonNode? node) =>
        IsNull(node) ? "null" : TryGetNumber(node, out var n) ? "n:" + n.ToString("R", CultureInfo.InvariantCulture) : node!.ToJsonString();

    public static string Display(JsonNode? node) => node is null ? "null" : node.ToJsonString();

    private static int Rank(JsonNode? node) => node switch
    {
        _ when IsNull(node) => 9,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.True or JsonValueKind.False => 0,
            JsonValueKind.Number => 1,
            JsonValueKind.String => 2,
            _ => 3,
        },
        _ => 3,
    };
}
