using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Process;

/// <summary>
/// The JSON Schema of a <c>process</c> step's input, published by <c>DescribeExecutor</c>. It names the rule types;
/// the executor's own validation is stricter and reports every problem with its location.
/// </summary>
public static class ProcessStepSchema
{
    /// <summary>The schema as JSON text.</summary>
    public const string Json = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "description": "Fields other than rules are laid over the dependencies' merged outputs before the rules run.",
          "properties": {
            "rules": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["type"],
                "properties": {
                  "type": {"enum": ["transform", "set", "rename", "remove", "filter", "map", "aggregate", "sort", "dedupe", "limit"]},
                  "operation": {"type": "string"},
                  "field": {"type": "string"},
                  "list": {"type": "string"},
                  "target": {"type": "string"}
                }
              }
            }
          }
        }
        """;

    /// <summary>The schema as a <see cref="Struct"/>.</summary>
    /// <returns>A new struct.</returns>
    public static Struct Create() => StructJson.ParseStruct(Json);
}
