using System.Text;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace GrpcWorkflows.Cli.Validation;

/// <summary>
/// Maps a problem's field path (<c>steps.b.depends_on[0]</c>) to its line and column in the definition file, so
/// problems found by validation (which sees only the parsed definition) point into the file.
/// Keys match in <c>snake_case</c> and <c>lowerCamelCase</c>; a path not found falls back to its parent.
/// </summary>
internal sealed class FieldLocator
{
    private readonly Dictionary<string, (int Line, int Column)> _lines;

    private FieldLocator(Dictionary<string, (int Line, int Column)> lines) => _lines = lines;

    /// <summary>The locator of a file, or null when it cannot be read (the problems are then printed without lines).</summary>
    public static FieldLocator? TryRead(string path)
    {
        try
        {
            var text = File.ReadAllText(path, Encoding.UTF8);
            var lines = new Dictionary<string, (int Line, int Column)>(StringComparer.Ordinal);
            if (Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase))
            {
                ReadJson(text, lines);
            }
            else
            {
                var yaml = new YamlStream();
                yaml.Load(new StringReader(text));
                if (yaml.Documents.Count > 0)
                {
                    ReadYaml(yaml.Documents[0].RootNode, string.Empty, lines);
                }
            }

            return new FieldLocator(lines);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or YamlDotNet.Core.YamlException)
        {
            return null;
        }
    }

    /// <summary>The 1-based line and column of the field, or of its nearest parent found; null when none is.</summary>
    public (int Line, int Column)? PositionOf(string field)
    {
        var path = field;
        while (path.Length > 0)
        {
            if (_lines.TryGetValue(path, out var line))
            {
                return line;
            }

            var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
            path = cut <= 0 ? string.Empty : path[..cut];
        }

        return null;
    }

    private static void ReadJson(string text, Dictionary<string, (int Line, int Column)> lines)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lineStarts = new List<long> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        (int Line, int Column) LineAt(long offset)
        {
            var index = lineStarts.BinarySearch(offset);
            var line = index >= 0 ? index : ~index - 1;
            return (line + 1, (int)(offset - lineStarts[line]) + 1);
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var stack = new Stack<(string Path, bool IsArray, int Index)>();
        string? pendingProperty = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    var parent = stack.Count == 0 ? string.Empty : stack.Peek().Path;
                    pendingProperty = Join(parent, Normalize(parent, reader.GetString() ?? string.Empty));
                    lines.TryAdd(pendingProperty, LineAt(reader.TokenStartIndex));
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    var path = pendingProperty ?? ElementPath(stack, lines, LineAt(reader.TokenStartIndex));
                    pendingProperty = null;
                    stack.Push((path, reader.TokenType == JsonTokenType.StartArray, 0));
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    stack.Pop();
                    break;
                default:
                    if (pendingProperty is null)
                    {
                        ElementPath(stack, lines, LineAt(reader.TokenStartIndex));
                    }

                    pendingProperty = null;
                    break;
            }
        }
    }

    private static string ElementPath(Stack<(string Path, bool IsArray, int Index)> stack, Dictionary<string, (int Line, int Column)> lines, (int Line, int Column) line)
    {
        if (stack.Count == 0 || !stack.Peek().IsArray)
        {
            return stack.Count == 0 ? string.Empty : stack.Peek().Path;
        }

        var (path, isArray, index) = stack.Pop();
        stack.Push((path, isArray, index + 1));
        var element = $"{path}[{index}]";
        lines.TryAdd(element, line);
        return element;
    }

    private static void ReadYaml(YamlNode node, string path, Dictionary<string, (int Line, int Column)> lines)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    var child = Join(path, Normalize(path, ((key as YamlScalarNode)?.Value) ?? string.Empty));
                    lines.TryAdd(child, ((int)key.Start.Line, (int)key.Start.Column));
                    ReadYaml(value, child, lines);
                }

                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    var child = $"{path}[{i}]";
                    lines.TryAdd(child, ((int)sequence.Children[i].Start.Line, (int)sequence.Children[i].Start.Column));
                    ReadYaml(sequence.Children[i], child, lines);
                }

                break;
            default:
                break;
        }
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    /// <summary>Field names in snake_case, as validation reports them; step ids and label keys as written.</summary>
    private static string Normalize(string parent, string key)
    {
        if (parent is "steps" or "labels" || parent.EndsWith(".labels", StringComparison.Ordinal) || parent.Contains(".input", StringComparison.Ordinal))
        {
            return key;
        }

        var text = new StringBuilder(key.Length + 4);
        foreach (var c in key)
        {
            if (char.IsUpper(c))
            {
                text.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
