using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;

namespace GrpcWorkflows.Cli.Output;

/// <summary>Protobuf messages as JSON (the protobuf JSON mapping, via Google.Protobuf's <see cref="JsonFormatter"/>).</summary>
internal static class JsonOutput
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithFormatEnumsAsIntegers(false));
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The message on one line.</summary>
    public static string Format(IMessage message) => Formatter.Format(message);

    /// <summary>Writes the message to stdout on one line (a JSON document, or one line of a JSON-lines stream).</summary>
    public static void WriteLine(IMessage message)
    {
        Console.Out.WriteLine(Format(message));
        Console.Out.Flush();
    }

    /// <summary>The message on one line without spaces, for one-line previews.</summary>
    public static string Compact(IMessage message)
    {
        using var document = JsonDocument.Parse(Formatter.Format(message));
        return JsonSerializer.Serialize(document.RootElement, Relaxed);
    }

    /// <summary>The message indented for people.</summary>
    public static string Pretty(IMessage message)
    {
        using var document = JsonDocument.Parse(Formatter.Format(message));
        return JsonSerializer.Serialize(document.RootElement, Indented);
    }
}
