using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Output.Files;

/// <summary>Renders a payload as JSON, JSON Lines or CSV and writes it atomically (temporary file, then rename).</summary>
public static class FileWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The format named by <paramref name="format"/>, or guessed from the extension of <paramref name="path"/>.</summary>
    /// <param name="format">json, jsonl (ndjson) or csv; null to guess.</param>
    /// <param name="path">The file path.</param>
    /// <returns>The format.</returns>
    /// <exception cref="StepFailedException"><c>INVALID_ARGUMENT</c>: unknown format.</exception>
    public static OutputFormat ResolveFormat(string? format, string path) =>
        (format ?? Path.GetExtension(path).TrimStart('.')).ToUpperInvariant() switch
        {
            "JSON" => OutputFormat.Json,
            "JSONL" or "NDJSON" => OutputFormat.JsonLines,
            "CSV" => OutputFormat.Csv,
            _ => throw StepFailedException.InvalidInput(format is null
                ? $"file.format: cannot tell the format of '{path}' from its extension; set format to json, jsonl or csv."
                : $"file.format: unknown format '{format}' (expected json, jsonl or csv)."),
        };

    /// <summary>
    /// The records a JSON Lines or CSV file holds: a list's items; an object's <c>items</c> list when it has one;
    /// otherwise the payload alone.
    /// </summary>
    /// <param name="payload">The payload.</param>
    /// <returns>The records.</returns>
    public static IReadOnlyList<JsonNode?> Records(JsonNode? payload) => payload switch
    {
        JsonArray list => [.. list],
        JsonObject obj when obj["items"] is JsonArray items => [.. items],
        _ => [payload],
    };

    /// <summary>Renders the payload.</summary>
    /// <param name="payload">The payload.</param>
    /// <param name="format">The format.</param>
    /// <returns>The text and the number of records written.</returns>
    /// <exception cref="StepFailedException"><c>INVALID_ARGUMENT</c>: CSV of records that are not objects.</exception>
    public static (string Text, int Records) Render(JsonNode? payload, OutputFormat format)
    {
        switch (format)
        {
            case OutputFormat.Json:
                return ((payload?.ToJsonString(Indented) ?? "null") + "\n", payload is JsonArray a ? a.Count : 1);
            case OutputFormat.JsonLines:
            {
                var records = Records(payload);
                var text = new StringBuilder();
                foreach (var record in records)
                {
                    text.Append(record?.ToJsonString() ?? "null").Append('\n');
                }

                return (text.ToString(), records.Count);
            }

            default:
                return RenderCsv(Records(payload));
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="fullPath"/> atomically: readers see the old file or the whole new one.</summary>
    /// <param name="fullPath">The destination (its folder is created when missing).</param>
    /// <param name="text">The content.</param>
    /// <param name="cancellationToken">Cancels the write (the destination is then untouched).</param>
    /// <returns>The number of bytes written.</returns>
    public static async Task<long> WriteAtomicallyAsync(string fullPath, string text, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(bytes, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
            return bytes.Length;
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static (string Text, int Records) RenderCsv(IReadOnlyList<JsonNode?> records)
    {
        var columns = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i] is not JsonObject record)
            {
                throw StepFailedException.InvalidInput($"file: CSV needs objects, but record {i} is {(records[i] is null ? "null" : records[i]!.GetValueKind().ToString().ToLowerInvariant())}.");
            }

            foreach (var (name, _) in record)
            {
                if (seen.Add(name))
                {
                    columns.Add(name);
                }
            }
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" }, leaveOpen: true))
        {
            foreach (var column in columns)
            {
                csv.WriteField(column);
            }

            csv.NextRecord();
            foreach (var record in records.Cast<JsonObject>())
            {
                foreach (var column in columns)
                {
                    csv.WriteField(Cell(record[column]));
                }

                csv.NextRecord();
            }
        }

        return (writer.ToString(), records.Count);
    }

    private static string Cell(JsonNode? value) => value switch
    {
        null => string.Empty,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => string.Empty,
        JsonValue v => v.ToJsonString(),
        _ => value.ToJsonString(),
    };
}
