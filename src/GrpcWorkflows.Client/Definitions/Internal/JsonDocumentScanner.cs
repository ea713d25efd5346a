using System.Text.Json;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Definitions.Internal;

/// <summary>
/// One pass over a JSON document before the proto parser sees it: reports syntax errors and
/// duplicate keys (which the proto parser would silently overwrite) with line, column and path.
/// </summary>
internal static class JsonDocumentScanner
{
    public static IReadOnlyList<ValidationProblem> Scan(byte[] utf8)
    {
        var problems = new List<ValidationProblem>();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 1024 });
        var path = new DocumentPath();
        var frames = new Stack<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        EnterValue(frames, path);
                        frames.Push(new Frame(new HashSet<string>(StringComparer.Ordinal), -1));
                        break;
                    case JsonTokenType.StartArray:
                        EnterValue(frames, path);
                        frames.Push(new Frame(null, 0));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.Pop();
                        LeaveValue(frames, path);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        var keys = frames.Peek().Keys!;
                        if (!keys.Add(name))
                        {
                            var (line, column) = Position(utf8, (int)reader.TokenStartIndex);
                            problems.Add(new ValidationProblem
                            {
                                Field = path.With(name),
                                Description = $"duplicate key '{name}' at line {line}, column {column}",
                            });
                        }

                        path.Push(name);
                        break;
                    default:
                        EnterValue(frames, path);
                        LeaveValue(frames, path);
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            problems.Add(new ValidationProblem
            {
                Field = path.ToString(),
                Description = $"invalid JSON at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: {Plain(e.Message)}",
            });
        }

        return problems;
    }

    /// <summary>The reader's message without its position suffix and its advice about reader options (which a user cannot change).</summary>
    private static string Plain(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = cut >= 0 ? message[..cut] : message;
        text = text.Replace(" Change the reader options.", string.Empty, StringComparison.Ordinal)
            .Replace(" which is not supported in this mode", string.Empty, StringComparison.Ordinal);
        return text.TrimEnd().TrimEnd('.');
    }

    private static void EnterValue(Stack<Frame> frames, DocumentPath path)
    {
        if (frames.Count > 0 && frames.Peek().Keys is null)
        {
            var frame = frames.Pop();
            path.Push($"[{frame.Index}]");
            frames.Push(frame with { Index = frame.Index + 1 });
        }
    }

    private static void LeaveValue(Stack<Frame> frames, DocumentPath path)
    {
        if (frames.Count > 0)
        {
            path.Pop();
        }
    }

    private static (int Line, int Column) Position(byte[] utf8, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, offset - lineStart + 1);
    }

    private readonly record struct Frame(HashSet<string>? Keys, int Index);
}
