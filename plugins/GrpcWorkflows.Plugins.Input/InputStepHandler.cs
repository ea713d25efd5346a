using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Executor.Files;
using GrpcWorkflows.Plugins.Input.Sources;
using GrpcWorkflows.Plugins.Input.Validation;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Plugins.Input;

/// <summary>
/// The <c>input</c> step: collects data from a literal (<c>data</c>) and optionally a file (<c>source</c>) and
/// validates it against a JSON Schema (<c>schema</c>).
/// </summary>
/// <remarks>
/// Input: <c>{"data": {...}, "schema": {...}, "source": {"path": "orders.csv", "format": "csv", "delimiter": ",", "infer_types": true}}</c>,
/// every field optional. Output: the source's content (a JSON array, JSON Lines or CSV become <c>{"items": [...]}</c>;
/// a JSON object gives its fields) with the fields of <c>data</c> laid over it (<c>data</c> wins on a clash).
/// The schema validates that output. Every problem is <c>INVALID_ARGUMENT</c>, never retried.
/// </remarks>
public sealed class InputStepHandler(IOptions<InputOptions> options) : IStepHandler
{
    /// <summary>The step type served.</summary>
    public const string StepType = "input";

    private static readonly HashSet<string> KnownFields = ["data", "schema", "source"];
    private static readonly HashSet<string> KnownSourceFields = ["path", "format", "delimiter", "infer_types"];

    /// <inheritdoc />
    public async ValueTask<Struct> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        var input = context.InputJson();
        var problems = new List<string>();
        problems.AddRange(input.Select(p => p.Key).Where(k => !KnownFields.Contains(k)).Select(k => $"input.{k}: unknown field (expected data, schema or source)."));

        var data = input["data"];
        if (data is not null and not JsonObject)
        {
            problems.Add("data: must be an object.");
        }

        var schemaNode = input["schema"];
        Json.Schema.JsonSchema? schema = null;
        if (schemaNode is not null)
        {
            var (loaded, error) = schemaNode is JsonObject or JsonValue ? SchemaValidator.Load(schemaNode) : (null, "must be a JSON Schema object.");
            schema = loaded;
            if (error is not null)
            {
                problems.Add($"schema: {error}");
            }
        }

        var source = input["source"];
        if (source is not null and not JsonObject)
        {
            problems.Add("source: must be an object such as {\"path\": \"orders.csv\"}.");
        }
        else if (source is JsonObject sourceObject)
        {
            problems.AddRange(sourceObject.Select(p => p.Key).Where(k => !KnownSourceFields.Contains(k)).Select(k => $"source.{k}: unknown field (expected path, format, delimiter or infer_types)."));
        }

        if (problems.Count > 0)
        {
            throw StepFailedException.InvalidInput(string.Join(" ", problems));
        }

        var output = source is JsonObject s ? await ReadSourceAsync(s, cancellationToken) : [];
        foreach (var (name, value) in (JsonObject?)data ?? [])
        {
            output[name] = value?.DeepClone();
        }

        if (schema is not null)
        {
            PatternGuard.Check(schemaNode, output, cancellationToken);
            var violations = SchemaValidator.Validate(schema, output);
            if (violations.Count > 0)
            {
                throw StepFailedException.InvalidInput(
                    $"The data does not match the schema ({violations.Count} violation{(violations.Count == 1 ? string.Empty : "s")}): {string.Join("; ", violations)}",
                    ViolationDetails(violations));
            }
        }

        return StructJson.ToStruct(output);
    }

    private async Task<JsonObject> ReadSourceAsync(JsonObject source, CancellationToken cancellationToken)
    {
        if (source["path"] is not JsonValue pathValue || !pathValue.TryGetValue<string>(out var relativePath))
        {
            throw StepFailedException.InvalidInput("source.path: a path relative to the data root is required.");
        }

        string? formatName = null;
        if (source["format"] is { } formatNode && (formatNode is not JsonValue fv || !fv.TryGetValue(out formatName)))
        {
            throw StepFailedException.InvalidInput("source.format: must be one of json, jsonl, csv.");
        }

        var format = SourceReader.ResolveFormat(formatName, relativePath);
        var path = ConfinedPath.Resolve(options.Value.DataRoot, relativePath, "source.path");
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw StepFailedException.InvalidInput($"source.path: '{relativePath}' does not exist under the data root.");
        }

        if (file.Length > options.Value.MaxSourceBytes)
        {
            throw StepFailedException.InvalidInput($"source.path: '{relativePath}' is {file.Length} bytes, above the limit of {options.Value.MaxSourceBytes} (Input:MaxSourceBytes).");
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken);
        switch (format)
        {
            case SourceFormat.Json:
                return SourceReader.ReadJson(text) switch
                {
                    JsonArray array => new JsonObject { ["items"] = array },
                    JsonObject obj => obj,
                    _ => throw StepFailedException.InvalidInput($"source: '{relativePath}' must hold a JSON array or object."),
                };
            case SourceFormat.JsonLines:
                return new JsonObject { ["items"] = SourceReader.ReadJsonLines(text) };
            default:
                var delimiter = ",";
                if (source["delimiter"] is { } delimiterNode
                    && (delimiterNode is not JsonValue dv || !dv.TryGetValue(out delimiter!) || delimiter.Length == 0))
                {
                    throw StepFailedException.InvalidInput("source.delimiter: must be a non-empty string such as \",\" or \";\".");
                }

                var infer = true;
                if (source["infer_types"] is { } inferNode && (inferNode is not JsonValue iv || !iv.TryGetValue(out infer)))
                {
                    throw StepFailedException.InvalidInput("source.infer_types: must be true or false.");
                }

                return new JsonObject { ["items"] = SourceReader.ReadCsv(text, delimiter, infer) };
        }
    }

    private static Struct ViolationDetails(IReadOnlyList<SchemaViolation> violations)
    {
        var list = new JsonArray();
        foreach (var v in violations)
        {
            list.Add(new JsonObject { ["path"] = v.Path, ["keyword"] = v.Keyword, ["message"] = v.Message });
        }

        return StructJson.ToStruct(new JsonObject { ["violations"] = list });
    }
}
