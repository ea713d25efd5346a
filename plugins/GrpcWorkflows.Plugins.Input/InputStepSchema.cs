using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Input;

/// <summary>The JSON Schema of an <c>input</c> step's input, published by <c>DescribeExecutor</c>.</summary>
public static class InputStepSchema
{
    /// <summary>The schema as JSON text.</summary>
    public const string Json = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "data": {"type": "object", "description": "Literal data; its fields are the output (laid over the source's)."},
            "schema": {"type": ["object", "boolean"], "description": "A JSON Schema the output must match; every violation is reported with its JSON path."},
            "source": {
              "type": "object",
              "additionalProperties": false,
              "required": ["path"],
              "properties": {
                "path": {"type": "string", "description": "A file under Input:DataRoot."},
                "format": {"enum": ["json", "jsonl", "ndjson", "csv"], "description": "Default: from the file extension."},
                "delimiter": {"type": "string", "description": "CSV delimiter, default ','."},
                "infer_types": {"type": "boolean", "description": "CSV: numbers, booleans and empty cells (null) inferred; default true."}
              }
            }
          }
        }
        """;

    /// <summary>The schema as a <see cref="Struct"/>.</summary>
    /// <returns>A new struct.</returns>
    public static Struct Create() => StructJson.ParseStruct(Json);
}
