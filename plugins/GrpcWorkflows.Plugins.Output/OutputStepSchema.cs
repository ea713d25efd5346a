using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Output;

/// <summary>The JSON Schema of an <c>output</c> step's input, published by <c>DescribeExecutor</c>.</summary>
public static class OutputStepSchema
{
    /// <summary>The schema as JSON text.</summary>
    public const string Json = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "result": {"description": "The payload (any JSON); default: the dependencies' outputs merged."},
            "file": {
              "type": "object", "additionalProperties": false, "required": ["path"],
              "properties": {
                "path": {"type": "string", "description": "A file under Output:Root, written atomically."},
                "format": {"enum": ["json", "jsonl", "ndjson", "csv"], "description": "Default: from the file extension."},
                "field": {"type": "string", "description": "A dotted path into the payload: write only that part."}
              }
            },
            "webhook": {
              "type": "object", "additionalProperties": false, "required": ["url"],
              "properties": {
                "url": {"type": "string", "description": "An http(s) URL; see Output:Webhook:Allowlist."},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "timeout": {"type": ["number", "string"], "description": "Seconds, or \"500ms\", \"5s\", \"1m\"; default Output:Webhook:DefaultTimeout."},
                "field": {"type": "string", "description": "A dotted path into the payload: post only that part."}
              }
            },
            "log": {
              "oneOf": [
                {"type": "boolean"},
                {"type": "object", "additionalProperties": false, "properties": {
                  "level": {"enum": ["trace", "debug", "information", "warning", "error", "critical"]},
                  "message": {"type": "string"}}}
              ]
            }
          }
        }
        """;

    /// <summary>The schema as a <see cref="Struct"/>.</summary>
    /// <returns>A new struct.</returns>
    public static Struct Create() => StructJson.ParseStruct(Json);
}
