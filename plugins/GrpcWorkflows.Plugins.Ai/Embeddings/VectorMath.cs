namespace GrpcWorkflows.Plugins.Ai.Embeddings;

/// <summary>Cosine similarity and centroids over embedding vectors.</summary>
internal static class VectorMath
{
    /// <summary>The cosine of the angle between two vectors of the same length; 0 when either is all zeros.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Vectors of different lengths ({a.Length} and {b.Length}).", nameof(b));
        }

        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }

        return normA == 0 || normB == 0 ? 0f : (float)(dot / Math.Sqrt(normA * normB));
    }

    /// <summary>The mean of the vectors (not normalised: cosine does not care).</summary>
    public static float[] Centroid(IReadOnlyList<ReadOnlyMemory<float>> vectors)
    {
        if (vectors.Count == 0)
        {
            throw new ArgumentException("No vectors.", nameof(vectors));
        }

        var sum = new float[vectors[0].Length];
        foreach (var vector in vectors)
        {
            var span = vector.Span;
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += span[i];
            }
        }

        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] /= vectors.Count;
        }

        return sum;
    }

    /// <summary>Rounds a score for output: four decimals are plenty and keep outputs readable and stable.</summary>
    public static double Round(float score) => Math.Round(score, 4, MidpointRounding.AwayFromZero);
}
