using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Input.Sources;

/// <summary>Parses JSON, JSON Lines and CSV text into JSON nodes.</summary>
public static class SourceReader
{
    /// <summary>The format named by a <c>format</c> field, or guessed from the file extension when it is absent.</summary>
    /// <param name="format">The field's value: <c>json</c>, <c>jsonl</c> (or <c>ndjson</c>), <c>csv</c>; null to guess.</param>
    /// <param name="path">The file path.</param>
    /// <returns>The format.</returns>
    /// <exception cref="StepFailedException"><c>INVALID_ARGUMENT</c>: unknown format or extension.</exception>
    public static SourceFormat ResolveFormat(string? format, string path)
    {
        var name = format ?? Path.GetExtension(path).TrimStart('.');
        return name.ToUpperInvariant() switch
        {
            "JSON" => SourceFormat.Json,
            "JSONL" or "NDJSON" => SourceFormat.JsonLines,
            "CSV" => SourceFormat.Csv,
            _ => throw StepFailedException.InvalidInput(format is null
                ? $"source.format: cannot tell the format of '{path}' from its extension; set format to json, jsonl or csv."
                : $"source.format: unknown format '{format}' (expected json, jsonl or csv)."),
        };
    }

    /// <summary>Reads a JSON document.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The document's root node.</returns>
    /// <exception cref="StepFailedException"><c>INVALID_ARGUMENT</c> with the line of the error.</exception>
    public static JsonNode? ReadJson(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            throw StepFailedException.InvalidInput($"source: invalid JSON at line {ex.LineNumber + 1}: {ex.Message}");
        }
    }

    /// <summary>Reads JSON Lines: one value per non-blank line.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The values, in order.</returns>
    /// <exception cref="StepFailedException"><c>INVALID_ARGUMENT</c> naming the bad line.</exception>
    public static JsonArray ReadJsonLines(string text)
    {
        var items = new JsonArray();
        var lineNumber = 0;
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                items.Add(JsonNode.Parse(line));
            }
            catch (JsonException ex)
            {
                throw StepFailedException.InvalidInput($"source: line {lineNumber} is not valid JSON: {ex.Message}");
            }
        }

        return items;
    }

    /// <summary>
    /// Reads CSV with a header row into objects keyed by the header. With <paramref name="inferTypes"/>, cells that
    /// look like numbers become numbers, <c>true</c>/<c>false</c> become booleans and empty cells become null;
    /// otherwise every cell is a string.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="delimiter">The delimiter (default <c>,</c>).</param>
    /// <param name="inferTypes">Whether to infer numbers, booleans and nulls.</param>
    /// <returns>One object per row.</returns>
    /// <exception cref="StepFailedException"><c>INVALID_ARGUMENT</c> naming the bad row.</exception>
    public static JsonArray ReadCsv(string text, string delimiter = ",", bool inferTypes = true)
    {
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = delimiter,
            HasHeaderRecord = true,
            DetectColumnCountChanges = true,
            TrimOptions = TrimOptions.None,
        };
        var items = new JsonArray();
        try
        {
            using var reader = new StringReader(text);
            using var csv = new CsvReader(reader, configuration);
            if (!csv.Read())
            {
                return items;
            }

            csv.ReadHeader();
            var header = csv.HeaderRecord ?? [];
            if (header.Distinct(StringComparer.Ordinal).Count() != header.Length)
            {
                throw StepFailedException.InvalidInput("source: the CSV header repeats a column name.");
            }

            while (csv.Read())
            {
                var row = new JsonObject();
                for (var i = 0; i < header.Length; i++)
                {
                    var cell = csv.GetField(i) ?? string.Empty;
                    row[header[i]] = inferTypes ? Infer(cell) : JsonValue.Create(cell);
                }

                items.Add(row);
            }
        }
        catch (CsvHelperException ex)
        {
            var row = ex.Context?.Parser?.Row;
            throw StepFailedException.InvalidInput($"source: invalid CSV{(row is null ? string.Empty : $" at row {row}")}: {FirstLine(ex.Message)}");
        }

        return items;
    }

    private static JsonValue? Infer(string cell)
    {
        if (cell.Length == 0)
        {
            return null;
        }

        if (bool.TryParse(cell, out var flag))
        {
            return JsonValue.Create(flag);
        }

        if (cell.Trim() == cell && double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return long.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole) ? JsonValue.Create(whole) : JsonValue.Create(number);
        }

        return JsonValue.Create(cell);
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
