using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Ai.Embeddings;
using Microsoft.Extensions.AI;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>
/// <c>similarity</c>: input <c>texts</c> (at least two strings); output <c>similarity</c> (the cosine similarity of the
/// first two, from -1 to 1) and <c>matrix</c> (every pair, row i column j).
/// </summary>
internal sealed class SimilarityTask(IEmbeddingGenerator<string, Embedding<float>> generator) : IAiTask
{
    public string Name => AiTaskNames.Similarity;

    public IReadOnlyCollection<string> Inputs { get; } = ["texts"];

    public async ValueTask<JsonObject> RunAsync(AiTaskRequest request, CancellationToken cancellationToken)
    {
        var texts = request.Input.OptionalStringList("texts");
        if (texts is null || texts.Count < 2)
        {
            throw Executor.StepFailedException.InvalidInput("The 'similarity' task needs input.texts: an array of at least 2 strings.");
        }

        var vectors = await generator.EmbedAllAsync(texts, cancellationToken);
        var matrix = new JsonArray();
        for (var i = 0; i < vectors.Length; i++)
        {
            var row = new JsonArray();
            for (var j = 0; j < vectors.Length; j++)
            {
                row.Add(VectorMath.Round(VectorMath.Cosine(vectors[i].Span, vectors[j].Span)));
            }

            matrix.Add(row);
        }

        var output = LocalOutput.Create(Name);
        output["similarity"] = VectorMath.Round(VectorMath.Cosine(vectors[0].Span, vectors[1].Span));
        output["matrix"] = matrix;
        return output;
    }
}
