using System.Text.Json.Nodes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Ai.Embeddings;
using GrpcWorkflows.Plugins.Ai.Internal;
using Microsoft.Extensions.AI;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>
/// <c>classify</c> (zero-shot): input <c>text</c> or <c>texts</c>, and <c>labels</c> (label names, or an object
/// mapping each label to a description, which is what is compared). Output for <c>text</c>: <c>label</c>,
/// <c>score</c> (its cosine similarity) and <c>scores</c> (every label's); for <c>texts</c>: <c>results</c>, one such
/// object per text with its <c>index</c>, and <c>counts</c> (texts per label).
/// </summary>
internal sealed class ClassifyTask(IEmbeddingGenerator<string, Embedding<float>> generator) : IAiTask
{
    public string Name => AiTaskNames.Classify;

    public IReadOnlyCollection<string> Inputs { get; } = ["text", "texts", "labels"];

    public async ValueTask<JsonObject> RunAsync(AiTaskRequest request, CancellationToken cancellationToken)
    {
        var (texts, single) = request.Input.TextOrTexts(Name);
        var labels = request.Input.OptionalLabels("labels")
            ?? throw StepFailedException.InvalidInput("The 'classify' task needs input.labels: an array of label names or an object mapping each label to its description.");

        // One call embeds the texts and the label descriptions together.
        var vectors = await generator.EmbedAllAsync([.. texts, .. labels.Select(l => l.Description)], cancellationToken);
        var labelVectors = vectors[texts.Count..];
        var results = new JsonArray();
        var counts = labels.ToDictionary(l => l.Label, _ => 0, StringComparer.Ordinal);
        for (var i = 0; i < texts.Count; i++)
        {
            var (best, scores) = EmbeddingExtensions.Nearest(vectors[i], labelVectors);
            counts[labels[best].Label]++;
            var result = Describe(labels, best, scores);
            if (single)
            {
                var output = LocalOutput.Create(Name);
                foreach (var (name, value) in result)
                {
                    output[name] = value?.DeepClone();
                }

                return output;
            }

            result.Insert(0, "index", i);
            results.Add(result);
        }

        var many = LocalOutput.Create(Name);
        many["results"] = results;
        many["counts"] = new JsonObject([.. counts.Select(c => new KeyValuePair<string, JsonNode?>(c.Key, c.Value))]);
        return many;
    }

    private static JsonObject Describe(IReadOnlyList<LabelDescription> labels, int best, float[] scores)
    {
        var all = new JsonObject();
        for (var i = 0; i < labels.Count; i++)
        {
            all[labels[i].Label] = VectorMath.Round(scores[i]);
        }

        return new JsonObject
        {
            ["label"] = labels[best].Label,
            ["score"] = VectorMath.Round(scores[best]),
            ["scores"] = all,
        };
    }
}
