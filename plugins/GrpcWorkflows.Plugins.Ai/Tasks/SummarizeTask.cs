using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Ai.Embeddings;
using GrpcWorkflows.Plugins.Ai.Internal;
using Microsoft.Extensions.AI;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>
/// <c>summarize</c> (extractive): input <c>text</c> or <c>texts</c> and optional <c>max_sentences</c> (default 3).
/// The sentences nearest the centroid of all sentences are the most central; output <c>summary</c> (them, joined in
/// their original order), <c>sentences</c> (<c>{index, text, score}</c> in original order) and
/// <c>sentence_count</c> (sentences in the input).
/// </summary>
internal sealed class SummarizeTask(IEmbeddingGenerator<string, Embedding<float>> generator) : IAiTask
{
    /// <summary>The default of <c>max_sentences</c>.</summary>
    public const int DefaultMaxSentences = 3;

    public string Name => AiTaskNames.Summarize;

    public IReadOnlyCollection<string> Inputs { get; } = ["text", "texts", "max_sentences"];

    public async ValueTask<JsonObject> RunAsync(AiTaskRequest request, CancellationToken cancellationToken)
    {
        var (texts, _) = request.Input.TextOrTexts(Name);
        var max = request.Input.OptionalInt("max_sentences", DefaultMaxSentences, 1, 100);
        var sentences = texts.SelectMany(SentenceSplitter.Split).ToList();
        if (sentences.Count == 0)
        {
            throw Executor.StepFailedException.InvalidInput("The 'summarize' task found no sentence in its input text.");
        }

        var picked = await MostCentralAsync(generator, sentences, max, cancellationToken);
        var output = LocalOutput.Create(Name);
        output["summary"] = string.Join(" ", picked.Select(p => sentences[p.Index]));
        output["sentences"] = new JsonArray([.. picked.Select(p => (JsonNode)new JsonObject
        {
            ["index"] = p.Index,
            ["text"] = sentences[p.Index],
            ["score"] = VectorMath.Round(p.Score),
        })]);
        output["sentence_count"] = sentences.Count;
        return output;
    }

    /// <summary>The <paramref name="max"/> sentences nearest the centroid, in their original order.</summary>
    public static async Task<IReadOnlyList<(int Index, float Score)>> MostCentralAsync(
        IEmbeddingGenerator<string, Embedding<float>> generator,
        IReadOnlyList<string> sentences,
        int max,
        CancellationToken cancellationToken)
    {
        var vectors = await generator.EmbedAllAsync(sentences, cancellationToken);
        return MostCentral(vectors, max);
    }

    /// <summary>The <paramref name="max"/> vectors nearest their centroid, in their original order.</summary>
    public static IReadOnlyList<(int Index, float Score)> MostCentral(IReadOnlyList<ReadOnlyMemory<float>> vectors, int max)
    {
        var centroid = VectorMath.Centroid(vectors);
        return [.. vectors
            .Select((vector, index) => (Index: index, Score: VectorMath.Cosine(vector.Span, centroid)))
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.Index)
            .Take(max)
            .OrderBy(s => s.Index)];
    }
}
