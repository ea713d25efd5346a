using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Cli.Commands;

namespace GrpcWorkflows.Cli.Running;

/// <summary>Builds the workflow input from <c>--input-file</c> and <c>--input key=value</c>.</summary>
internal static class InputParser
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);

    /// <summary>The input, or null when neither option was given.</summary>
    /// <exception cref="UsageException">A value or the file cannot be read.</exception>
    public static Struct? Parse(string? inputFile, IReadOnlyList<string> inputs)
    {
        if (inputFile is null && inputs.Count == 0)
        {
            return null;
        }

        var input = inputFile is null ? new Struct() : ReadFile(inputFile);
        foreach (var item in inputs)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--input '{item}': expected KEY=VALUE.");
            }

            var path = item[..equals].Split('.');
            if (path.Any(p => p.Length == 0))
            {
                throw new UsageException($"--input '{item}': the key has an empty segment.");
            }

            Set(input, path, ParseValue(item[(equals + 1)..]), item);
        }

        return input;
    }

    /// <summary>Parses <c>KEY=VALUE</c> labels.</summary>
    public static Dictionary<string, string> ParseLabels(IReadOnlyList<string> labels)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in labels)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--label '{item}': expected KEY=VALUE.");
            }

            result[item[..equals]] = item[(equals + 1)..];
        }

        return result;
    }

    private static Struct ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--input-file {path}: {e.Message}", e);
        }

        try
        {
            return Parser.Parse<Struct>(text);
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            throw new UsageException($"--input-file {path}: not a JSON object: {e.Message}", e);
        }
    }

    private static Value ParseValue(string text)
    {
        try
        {
            return Value.Parser.ParseJson(text);
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            return Value.ForString(text);
        }
    }

    private static void Set(Struct target, string[] path, Value value, string item)
    {
        for (var i = 0; i < path.Length - 1; i++)
        {
            if (!target.Fields.TryGetValue(path[i], out var child))
            {
                child = Value.ForStruct(new Struct());
                target.Fields[path[i]] = child;
            }
            else if (child.KindCase != Value.KindOneofCase.StructValue)
            {
                throw new UsageException($"--input '{item}': '{string.Join('.', path[..(i + 1)])}' is already a value, not an object.");
            }

            target = child.StructValue;
        }

        target.Fields[path[^1]] = value;
    }
}
