using GrpcWorkflows.Plugins.Ai.Embeddings;
using Microsoft.Extensions.AI;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>Embedding helpers shared by the local tasks.</summary>
internal static class EmbeddingExtensions
{
    /// <summary>Embeds all texts in one call and returns their vectors in order.</summary>
    public static async Task<ReadOnlyMemory<float>[]> EmbedAllAsync(
        this IEmbeddingGenerator<string, Embedding<float>> generator,
        IReadOnlyList<string> texts,
        CancellationToken cancellationToken)
    {
        var embeddings = await generator.GenerateAsync(texts, cancellationToken: cancellationToken);
        if (embeddings.Count != texts.Count)
        {
            throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} vectors for {texts.Count} texts.");
        }

        return [.. embeddings.Select(e => e.Vector)];
    }

    /// <summary>Scores one vector against label vectors: the index of the nearest and every score.</summary>
    public static (int Best, float[] Scores) Nearest(ReadOnlyMemory<float> vector, IReadOnlyList<ReadOnlyMemory<float>> candidates)
    {
        var scores = new float[candidates.Count];
        var best = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            scores[i] = VectorMath.Cosine(vector.Span, candidates[i].Span);
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return (best, scores);
    }
}
