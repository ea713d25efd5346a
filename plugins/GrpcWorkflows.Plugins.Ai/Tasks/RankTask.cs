using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Ai.Embeddings;
using GrpcWorkflows.Plugins.Ai.Internal;
using Microsoft.Extensions.AI;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>
/// <c>rank</c>: input <c>query</c>, <c>items</c> (strings, or objects whose text is the string at <c>field</c> — a
/// dotted path — or else all their string values joined) and optional <c>top_k</c>. Output <c>ranked</c>: objects
/// <c>{index, score, item}</c> from most to least relevant (<c>index</c> is the item's position in <c>items</c>),
/// <c>best</c> (the most relevant item) and <c>count</c>.
/// </summary>
internal sealed class RankTask(IEmbeddingGenerator<string, Embedding<float>> generator) : IAiTask
{
    public string Name => AiTaskNames.Rank;

    public IReadOnlyCollection<string> Inputs { get; } = ["query", "items", "field", "top_k"];

    public async ValueTask<JsonObject> RunAsync(AiTaskRequest request, CancellationToken cancellationToken)
    {
        var query = request.Input.RequiredString("query", Name);
        var field = request.Input.OptionalString("field");
        if (request.Input.Node("items") is not JsonArray items || items.Count == 0)
        {
            throw StepFailedException.InvalidInput("The 'rank' task needs input.items: a non-empty array of strings or objects.");
        }

        var topK = request.Input.OptionalInt("top_k", items.Count, 1, int.MaxValue);
        var texts = new List<string>(items.Count + 1) { query };
        for (var i = 0; i < items.Count; i++)
        {
            texts.Add(TextOf(items[i], field, i));
        }

        var vectors = await generator.EmbedAllAsync(texts, cancellationToken);
        var ranked = Enumerable.Range(0, items.Count)
            .Select(i => (Index: i, Score: VectorMath.Cosine(vectors[0].Span, vectors[i + 1].Span)))
            .OrderByDescending(r => r.Score)
            .ThenBy(r => r.Index)
            .Take(topK)
            .ToList();

        var output = LocalOutput.Create(Name);
        output["ranked"] = new JsonArray([.. ranked.Select(r => (JsonNode)new JsonObject
        {
            ["index"] = r.Index,
            ["score"] = VectorMath.Round(r.Score),
            ["item"] = items[r.Index]?.DeepClone(),
        })]);
        output["best"] = items[ranked[0].Index]?.DeepClone();
        output["count"] = ranked.Count;
        return output;
    }

    private static string TextOf(JsonNode? item, string? field, int index)
    {
        switch (item)
        {
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetValue<string>()):
                return value.GetValue<string>();
            case JsonObject obj when field is not null:
                var node = obj;
                JsonNode? current = node;
                foreach (var part in field.Split('.'))
                {
                    current = current is JsonObject o && o.TryGetPropertyValue(part, out var next) ? next : null;
                }

                return current is JsonValue text && text.GetValueKind() == JsonValueKind.String && !string.IsNullOrWhiteSpace(text.GetValue<string>())
                    ? text.GetValue<string>()
                    : throw StepFailedException.InvalidInput($"input.items[{index}].{field} must be a non-empty string (input.field names the text of each item).");
            case JsonObject obj:
                var joined = new StringBuilder();
                CollectStrings(obj, joined);
                return joined.Length > 0
                    ? joined.ToString()
                    : throw StepFailedException.InvalidInput($"input.items[{index}] has no string value to rank by; name one with input.field.");
            default:
                throw StepFailedException.InvalidInput($"input.items[{index}] must be a non-empty string or an object, not {InputReader.Describe(item)}.");
        }
    }

    private static void CollectStrings(JsonNode? node, StringBuilder into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    CollectStrings(child, into);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    CollectStrings(child, into);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                if (into.Length > 0)
                {
                    into.Append(". ");
                }

                into.Append(value.GetValue<string>());
                break;
        }
    }
}
