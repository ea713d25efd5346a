using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>
/// <c>embed</c>: input <c>text</c> (string) or <c>texts</c> (strings); output <c>embedding</c> (one vector) or
/// <c>embeddings</c> (one per text, in order), with <c>dimensions</c> and <c>count</c>.
/// </summary>
internal sealed class EmbedTask(IEmbeddingGenerator<string, Embedding<float>> generator) : IAiTask
{
    public string Name => AiTaskNames.Embed;

    public IReadOnlyCollection<string> Inputs { get; } = ["text", "texts"];

    public async ValueTask<JsonObject> RunAsync(AiTaskRequest request, CancellationToken cancellationToken)
    {
        var (texts, single) = request.Input.TextOrTexts(Name);
        var vectors = await generator.EmbedAllAsync(texts, cancellationToken);
        var output = LocalOutput.Create(Name);
        output["dimensions"] = vectors[0].Length;
        output["count"] = vectors.Length;
        if (single)
        {
            output["embedding"] = ToArray(vectors[0]);
        }
        else
        {
            output["embeddings"] = new JsonArray([.. vectors.Select(v => (JsonNode)ToArray(v))]);
        }

        return output;
    }

    private static JsonArray ToArray(ReadOnlyMemory<float> vector)
    {
        var array = new JsonArray();
        foreach (var component in vector.Span)
        {
            array.Add((double)component);
        }

        return array;
    }
}
