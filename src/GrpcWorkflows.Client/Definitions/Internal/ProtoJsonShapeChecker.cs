using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Google.Protobuf.Reflection;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Definitions.Internal;

/// <summary>
/// Checks a definition's JSON against the proto's shape before the proto parser sees it, so that every
/// unknown field, wrong kind of value, bad duration or enum name is reported at once with its field
/// path (the parser stops at the first one, with no path).
/// </summary>
internal static partial class ProtoJsonShapeChecker
{
    private const string DurationExample = "a number of seconds ending in s, such as 2s, 0.5s or 90s";

    public static IReadOnlyList<ValidationProblem> Check(string json)
    {
        var problems = new List<ValidationProblem>();
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 1024 });
        }
        catch (JsonException)
        {
            // The scanner reports syntax errors with their position.
            return problems;
        }

        if (root is not JsonObject)
        {
            problems.Add(new ValidationProblem { Description = "a definition is an object with id and steps" });
            return problems;
        }

        CheckMessage(root, WorkflowDefinition.Descriptor, string.Empty, problems);
        return problems;
    }

    private static void CheckMessage(JsonNode node, MessageDescriptor descriptor, string path, List<ValidationProblem> problems)
    {
        if (node is not JsonObject obj)
        {
            problems.Add(Problem(path, $"must be an object, not {KindOf(node)}"));
            return;
        }

        var fields = descriptor.Fields.InDeclarationOrder();
        var oneofs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in obj)
        {
            var field = fields.FirstOrDefault(f => f.Name == name || f.JsonName == name);
            var fieldPath = Join(path, field?.Name ?? name);
            if (field is null)
            {
                problems.Add(Problem(fieldPath, $"unknown field '{name}'{Suggest(name, fields)}"));
                continue;
            }

            if (value is null)
            {
                continue;
            }

            if (field.RealContainingOneof is { } oneof)
            {
                if (oneofs.TryGetValue(oneof.Name, out var other))
                {
                    problems.Add(Problem(fieldPath, $"'{field.Name}' and '{other}' cannot both be set (one of {string.Join(", ", oneof.Fields.Select(f => f.Name))})"));
                }

                oneofs.TryAdd(oneof.Name, field.Name);
            }

            CheckField(value, field, fieldPath, problems);
        }
    }

    private static void CheckField(JsonNode value, FieldDescriptor field, string path, List<ValidationProblem> problems)
    {
        if (field.IsMap)
        {
            if (value is not JsonObject map)
            {
                problems.Add(Problem(path, $"must be an object (a map), not {KindOf(value)}"));
                return;
            }

            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (var (key, item) in map)
            {
                if (item is not null)
                {
                    CheckSingle(item, valueField, Join(path, key), problems);
                }
            }

            return;
        }

        if (field.IsRepeated)
        {
            if (value is not JsonArray list)
            {
                problems.Add(Problem(path, $"must be a list, not {KindOf(value)}"));
                return;
            }

            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is { } item)
                {
                    CheckSingle(item, field, $"{path}[{i}]", problems);
                }
            }

            return;
        }

        CheckSingle(value, field, path, problems);
    }

    private static void CheckSingle(JsonNode value, FieldDescriptor field, string path, List<ValidationProblem> problems)
    {
        switch (field.FieldType)
        {
            case FieldType.Message:
                CheckMessageValue(value, field.MessageType, path, problems);
                break;
            case FieldType.Enum:
                CheckEnum(value, field.EnumType, path, problems);
                break;
            case FieldType.String:
                Expect(value, JsonValueKind.String, "text", path, problems);
                break;
            case FieldType.Bool:
                if (value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add(Problem(path, $"must be true or false, not {KindOf(value)}"));
                }

                break;
            case FieldType.Double or FieldType.Float:
                CheckNumber(value, path, integer: false, long.MinValue, long.MaxValue, problems);
                break;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                CheckNumber(value, path, integer: true, int.MinValue, int.MaxValue, problems);
                break;
            case FieldType.UInt32 or FieldType.Fixed32:
                CheckNumber(value, path, integer: true, 0, uint.MaxValue, problems);
                break;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 or FieldType.UInt64 or FieldType.Fixed64:
                CheckNumber(value, path, integer: true, long.MinValue, long.MaxValue, problems);
                break;
            default:
                break;
        }
    }

    private static void CheckMessageValue(JsonNode value, MessageDescriptor type, string path, List<ValidationProblem> problems)
    {
        switch (type.FullName)
        {
            case "google.protobuf.Struct":
                if (value is not JsonObject)
                {
                    problems.Add(Problem(path, $"must be an object, not {KindOf(value)}"));
                }

                break;
            case "google.protobuf.Value" or "google.protobuf.ListValue":
                break;
            case "google.protobuf.Duration":
                if (value.GetValueKind() != JsonValueKind.String || !Duration().IsMatch(value.GetValue<string>()))
                {
                    problems.Add(Problem(path, $"{Show(value)} is not a duration: use {DurationExample}"));
                }

                break;
            case "google.protobuf.Timestamp":
                if (value.GetValueKind() != JsonValueKind.String
                    || !DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    problems.Add(Problem(path, $"{Show(value)} is not a time: use RFC 3339, such as 2026-11-30T08:00:00Z"));
                }

                break;
            default:
                if (type.FullName.StartsWith("google.protobuf.", StringComparison.Ordinal) && type.FullName.EndsWith("Value", StringComparison.Ordinal))
                {
                    // A wrapper (Int32Value, StringValue, ...): the JSON is the wrapped scalar.
                    CheckSingle(value, type.FindFieldByNumber(1), path, problems);
                }
                else
                {
                    CheckMessage(value, type, path, problems);
                }

                break;
        }
    }

    private static void CheckEnum(JsonNode value, EnumDescriptor type, string path, List<ValidationProblem> problems)
    {
        var kind = value.GetValueKind();
        if (kind == JsonValueKind.Number && value.AsValue().TryGetValue<int>(out var number) && type.FindValueByNumber(number) is not null)
        {
            return;
        }

        if (kind == JsonValueKind.String && type.FindValueByName(value.GetValue<string>()) is not null)
        {
            return;
        }

        problems.Add(Problem(path, $"{Show(value)} is not one of {string.Join(", ", type.Values.Select(v => v.Name))}"));
    }

    private static void CheckNumber(JsonNode value, string path, bool integer, double min, double max, List<ValidationProblem> problems)
    {
        var kind = value.GetValueKind();
        double number;
        if (kind == JsonValueKind.Number)
        {
            number = value.GetValue<double>();
        }
        else if (kind != JsonValueKind.String || !double.TryParse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            problems.Add(Problem(path, $"must be a number, not {KindOf(value)}"));
            return;
        }

        if (integer && (number != Math.Floor(number) || number < min || number > max))
        {
            problems.Add(Problem(path, $"{Show(value)} must be a whole number between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}"));
        }
    }

    private static void Expect(JsonNode value, JsonValueKind kind, string what, string path, List<ValidationProblem> problems)
    {
        if (value.GetValueKind() != kind)
        {
            problems.Add(Problem(path, $"must be {what}, not {KindOf(value)}"));
        }
    }

    private static string Suggest(string name, IList<FieldDescriptor> fields)
    {
        static string Squash(string s) => s.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        var close = fields.FirstOrDefault(f => Squash(f.Name) == Squash(name))
            ?? fields.FirstOrDefault(f => Distance(Squash(f.Name), Squash(name)) <= 2);
        return close is not null
            ? $"; did you mean '{close.Name}'?"
            : $"; the fields here are {string.Join(", ", fields.Select(f => f.Name))}";
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    private static string KindOf(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the text {Show(node)}",
        JsonValueKind.Number => $"the number {node.ToJsonString()}",
        JsonValueKind.True or JsonValueKind.False => $"{node.ToJsonString()}",
        _ => "null",
    };

    private static string Show(JsonNode value)
    {
        var text = value.ToJsonString();
        return text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    private static ValidationProblem Problem(string path, string description) => new() { Field = path, Description = description };

    [GeneratedRegex(@"^-?\d+(\.\d{1,9})?s$")]
    private static partial Regex Duration();
}
