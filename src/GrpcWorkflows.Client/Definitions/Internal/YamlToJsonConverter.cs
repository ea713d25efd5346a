using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GrpcWorkflows.V1;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace GrpcWorkflows.Client.Definitions.Internal;

/// <summary>
/// Turns a YAML document into the equivalent JSON text, reporting duplicate keys with their line,
/// column and path. Plain scalars resolve as YAML 1.2 core: null, booleans and numbers; quoted
/// scalars stay strings.
/// </summary>
internal static partial class YamlToJsonConverter
{
    public static (string? Json, IReadOnlyList<ValidationProblem> Problems) Convert(string yaml)
    {
        var problems = new List<ValidationProblem>();
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                var parser = new Parser(new StringReader(yaml));
                parser.Consume<StreamStart>();
                if (!parser.TryConsume<DocumentStart>(out _))
                {
                    problems.Add(new ValidationProblem { Description = "the YAML document is empty" });
                    return (null, problems);
                }

                WriteNode(parser, writer, new DocumentPath(), problems);
                parser.Consume<DocumentEnd>();
                if (parser.Accept<DocumentStart>(out var next))
                {
                    problems.Add(new ValidationProblem { Description = $"a second YAML document starts at line {next.Start.Line}, column {next.Start.Column}; a definition is one document" });
                }
            }
        }
        catch (YamlException e)
        {
            problems.Add(new ValidationProblem { Description = $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}" });
        }

        return problems.Count > 0 ? (null, problems) : (Encoding.UTF8.GetString(buffer.WrittenSpan), problems);
    }

    private static void WriteNode(IParser parser, Utf8JsonWriter writer, DocumentPath path, List<ValidationProblem> problems)
    {
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            WriteScalar(writer, scalar);
        }
        else if (parser.TryConsume<SequenceStart>(out _))
        {
            writer.WriteStartArray();
            var index = 0;
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                path.Push($"[{index++}]");
                WriteNode(parser, writer, path, problems);
                path.Pop();
            }

            writer.WriteEndArray();
        }
        else if (parser.TryConsume<MappingStart>(out _))
        {
            writer.WriteStartObject();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = parser.Consume<Scalar>();
                if (!keys.Add(key.Value))
                {
                    problems.Add(new ValidationProblem
                    {
                        Field = path.With(key.Value),
                        Description = $"duplicate key '{key.Value}' at line {key.Start.Line}, column {key.Start.Column}",
                    });
                }

                writer.WritePropertyName(key.Value);
                path.Push(key.Value);
                WriteNode(parser, writer, path, problems);
                path.Pop();
            }

            writer.WriteEndObject();
        }
        else
        {
            var current = parser.Current!;
            throw new YamlException(current.Start, current.End, $"{path}: {current.GetType().Name} is not supported in a workflow definition (anchors and aliases are not)");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, Scalar scalar)
    {
        var value = scalar.Value;
        if (scalar.Style is not ScalarStyle.Plain)
        {
            writer.WriteStringValue(value);
            return;
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                writer.WriteNullValue();
                return;
            case "true" or "True" or "TRUE":
                writer.WriteBooleanValue(true);
                return;
            case "false" or "False" or "FALSE":
                writer.WriteBooleanValue(false);
                return;
        }

        if (JsonNumber().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            writer.WriteRawValue(value);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();
}
