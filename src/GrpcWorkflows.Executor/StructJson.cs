using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Executor;

/// <summary>Conversions between protobuf <see cref="Struct"/>/<see cref="Value"/> and System.Text.Json nodes.</summary>
/// <remarks>Numbers in a <see cref="Struct"/> are doubles: whole numbers come back as JSON integers (<c>1</c>, not <c>1.0</c>).</remarks>
public static class StructJson
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    /// <summary>Converts a <see cref="Struct"/> to a new <see cref="JsonObject"/>.</summary>
    /// <param name="value">The struct; null gives an empty object.</param>
    /// <returns>The JSON object.</returns>
    public static JsonObject ToJsonObject(Struct? value) =>
        value is null ? [] : (JsonNode.Parse(JsonFormatter.Default.Format(value)) as JsonObject ?? []);

    /// <summary>Converts a <see cref="Value"/> to a JSON node (null for a JSON null).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The node.</returns>
    public static JsonNode? ToJsonNode(Value? value) =>
        value is null || value.KindCase is Value.KindOneofCase.NullValue or Value.KindOneofCase.None
            ? null
            : JsonNode.Parse(JsonFormatter.Default.Format(value));

    /// <summary>Converts a JSON object to a <see cref="Struct"/>.</summary>
    /// <param name="value">The object; null gives an empty struct.</param>
    /// <returns>The struct.</returns>
    public static Struct ToStruct(JsonObject? value) =>
        value is null ? new Struct() : Parser.Parse<Struct>(value.ToJsonString());

    /// <summary>Converts a JSON node to a <see cref="Value"/>.</summary>
    /// <param name="value">The node; null gives a protobuf null value.</param>
    /// <returns>The value.</returns>
    public static Value ToValue(JsonNode? value) =>
        value is null ? Value.ForNull() : Parser.Parse<Value>(value.ToJsonString());

    /// <summary>Parses a JSON object text into a <see cref="Struct"/>.</summary>
    /// <param name="json">A JSON object, for example <c>{"message":"hello"}</c>.</param>
    /// <returns>The struct.</returns>
    /// <exception cref="InvalidProtocolBufferException">The text is not a JSON object.</exception>
    public static Struct ParseStruct(string json) => Parser.Parse<Struct>(json);

    /// <summary>Formats a <see cref="Struct"/> as compact JSON text.</summary>
    /// <param name="value">The struct.</param>
    /// <returns>The JSON text.</returns>
    public static string Format(Struct value) => JsonFormatter.Default.Format(value);
}
