using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Ai;

/// <summary>The JSON Schema of the <c>ai</c> step's input, published by <c>DescribeExecutor</c>.</summary>
/// <remarks>Which fields each task takes is checked by the tasks themselves, with messages that name the task.</remarks>
internal static class AiInputSchema
{
    public const string Json = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "task": {
              "enum": ["embed", "similarity", "classify", "rank", "summarize", "analyze", "chat"],
              "description": "Default: chat when there is a prompt and a chat provider, else analyze (local)."
            },
            "text": { "type": "string", "description": "embed, classify, summarize: one text." },
            "texts": { "type": "array", "items": { "type": "string" }, "description": "embed, similarity, classify, summarize: several texts." },
            "labels": {
              "description": "classify, analyze: label names, or an object mapping each label to the description that is compared.",
              "oneOf": [
                { "type": "array", "items": { "type": "string" }, "minItems": 1 },
                { "type": "object", "additionalProperties": { "type": "string" }, "minProperties": 1 }
              ]
            },
            "query": { "type": "string", "description": "rank: what the items are ranked against." },
            "items": { "type": "array", "minItems": 1, "description": "rank: strings or objects." },
            "field": { "type": "string", "description": "rank: dotted path of the text in object items." },
            "top_k": { "type": "integer", "minimum": 1, "description": "rank: keep the best k." },
            "max_sentences": { "type": "integer", "minimum": 1, "maximum": 100, "description": "summarize: default 3." },
            "data": { "type": ["object", "array"], "description": "analyze: the records; default: the dependencies' outputs, keyed by step id." },
            "summary_sentences": { "type": "integer", "minimum": 1, "maximum": 20, "description": "analyze: sentences per text-field summary, default 2." },
            "prompt": { "type": "string", "description": "chat: the user message (templates already resolved)." },
            "system": { "type": "string", "description": "chat: the system message." },
            "model": { "type": "string", "description": "chat: default Ai:Chat:Model." },
            "temperature": { "type": "number", "minimum": 0, "maximum": 2 },
            "max_tokens": { "type": "integer", "minimum": 1 },
            "response_format": { "enum": ["text", "json"], "description": "chat: json parses the answer into output.json." },
            "include_upstream": { "type": "boolean", "description": "chat: append the dependencies' outputs (JSON keyed by step id) to the prompt." }
          }
        }
        """;

    public static Struct Create() => StructJson.ParseStruct(Json);
}
