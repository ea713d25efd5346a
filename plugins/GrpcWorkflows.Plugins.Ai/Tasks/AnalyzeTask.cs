using System.Globalization;
using System.Text.Json.Nodes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Ai.Analysis;
using GrpcWorkflows.Plugins.Ai.Embeddings;
using GrpcWorkflows.Plugins.Ai.Internal;
using Microsoft.Extensions.AI;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>
/// <c>analyze</c>: a profile of data. The records are <c>input.data</c> when given (an object is one record, an
/// array's items are records), else the outputs of the step's dependencies, one record per dependency, keyed by step
/// id (so two upstream steps that both output <c>value</c> are both counted, not merged into one). Optional
/// <c>labels</c> (as in <c>classify</c>; default: complaint, praise, question, request, report), <c>summary_sentences</c> (default 2) and
/// <c>prompt</c> (echoed). Output: <c>sources</c>, <c>record_count</c>, <c>field_count</c>, <c>fields</c> (by path:
/// <c>types</c>, <c>count</c>, <c>nulls</c>, <c>sources</c>, <c>by_source</c>, and per type <c>numeric</c>,
/// <c>boolean</c> or <c>text</c> statistics; prose text fields also get an extractive <c>summary</c> and the nearest
/// <c>label</c>) and <c>summary</c> (one line for people).
/// </summary>
internal sealed class AnalyzeTask(IEmbeddingGenerator<string, Embedding<float>> generator) : IAiTask
{
    /// <summary>The default of <c>summary_sentences</c>.</summary>
    public const int DefaultSummarySentences = 2;

    /// <summary>A text field is prose (summarised and labelled) when its values average at least this many words.</summary>
    public const double ProseMinimumMeanWords = 3;

    /// <summary>At most this many distinct sentences of one field are embedded.</summary>
    public const int MaxSentencesPerField = 200;

    /// <summary>The most fields named in the one-line <c>summary</c>.</summary>
    public const int MaxFieldsInSummary = 10;

    /// <summary>
    /// The labels used when the step gives none: the kind of message, which this small model tells apart well
    /// (it is weak at plain sentiment). Descriptions list cue words, which is what a sentence-embedding model matches.
    /// </summary>
    public static readonly IReadOnlyList<LabelDescription> DefaultLabels =
    [
        new("complaint", "complaint: something went wrong, broken, late, bad, refund"),
        new("praise", "praise: great, loved it, thank you, excellent"),
        new("question", "question: how do I, how can I, why does, when will, what is"),
        new("request", "request: please send, I would like, can you"),
        new("report", "report: figures, dates, schedule, results"),
    ];

    public string Name => AiTaskNames.Analyze;

    public IReadOnlyCollection<string> Inputs { get; } = ["data", "labels", "summary_sentences", "prompt"];

    public async ValueTask<JsonObject> RunAsync(AiTaskRequest request, CancellationToken cancellationToken)
    {
        var input = request.Input;
        var labels = input.OptionalLabels("labels") ?? DefaultLabels;
        var summarySentences = input.OptionalInt("summary_sentences", DefaultSummarySentences, 1, 20);
        var prompt = input.OptionalString("prompt");
        var records = Records(request);
        var fields = DataProfiler.Profile(records);
        var sources = records.Select(r => r.Source).Distinct(StringComparer.Ordinal).ToList();

        var prose = await DescribeProseAsync(fields, labels, summarySentences, cancellationToken);
        var described = new JsonObject();
        foreach (var field in fields)
        {
            described[field.Path] = Describe(field, prose.GetValueOrDefault(field.Path), byStepId: input.Node("data") is null);
        }

        var output = LocalOutput.Create(Name);
        if (prompt is not null)
        {
            output["prompt"] = prompt;
        }

        output["sources"] = new JsonArray([.. sources.Select(s => (JsonNode)s)]);
        output["record_count"] = records.Count;
        output["field_count"] = fields.Count;
        output["fields"] = described;
        output["summary"] = Summarize(records.Count, sources, fields, prose);
        return output;
    }

    private static List<(string Source, JsonNode? Record)> Records(AiTaskRequest request)
    {
        switch (request.Input.Node("data"))
        {
            case JsonArray array:
                return [.. array.Select(item => ("input.data", item))];
            case JsonObject obj:
                return [("input.data", obj)];
            case null when request.Input.Has("data"):
                break;
            case null:
                var upstream = request.Step.Dependencies
                    .OrderBy(d => d.Key, StringComparer.Ordinal)
                    .Select(d => (d.Key, (JsonNode?)StructJson.ToJsonObject(d.Value)))
                    .ToList();
                return upstream.Count > 0
                    ? upstream
                    : throw StepFailedException.InvalidInput(
                        "The 'analyze' task has nothing to analyze: give input.data, or make the step depend on the steps whose outputs it should profile (depends_on).");
        }

        throw StepFailedException.InvalidInput($"input.data must be an object or an array of records, not {InputReader.Describe(request.Input.Node("data"))}.");
    }

    /// <summary>Summaries and labels of the prose fields, with one embedding call for all of them and the labels.</summary>
    private async Task<Dictionary<string, ProseDescription>> DescribeProseAsync(
        IReadOnlyList<FieldProfile> fields,
        IReadOnlyList<LabelDescription> labels,
        int summarySentences,
        CancellationToken cancellationToken)
    {
        var prose = fields
            .Where(f => f.Strings.Count > 0 && f.Strings.Average(WordCount) >= ProseMinimumMeanWords)
            .Select(f => (Field: f, Sentences: f.Strings.SelectMany(SentenceSplitter.Split).Distinct(StringComparer.Ordinal).Take(MaxSentencesPerField).ToList()))
            .Where(p => p.Sentences.Count > 0)
            .ToList();
        var result = new Dictionary<string, ProseDescription>(StringComparer.Ordinal);
        if (prose.Count == 0)
        {
            return result;
        }

        var texts = prose.SelectMany(p => p.Sentences).Concat(labels.Select(l => l.Description)).ToList();
        var vectors = await generator.EmbedAllAsync(texts, cancellationToken);
        var labelVectors = vectors[^labels.Count..];
        var offset = 0;
        foreach (var (field, sentences) in prose)
        {
            var own = vectors[offset..(offset + sentences.Count)];
            offset += sentences.Count;
            var central = SummarizeTask.MostCentral(own, summarySentences);
            var (best, scores) = EmbeddingExtensions.Nearest(VectorMath.Centroid(own), labelVectors);
            result[field.Path] = new ProseDescription(
                string.Join(" ", central.Select(c => sentences[c.Index])),
                labels[best].Label,
                VectorMath.Round(scores[best]));
        }

        return result;
    }

    private static JsonObject Describe(FieldProfile field, ProseDescription? prose, bool byStepId)
    {
        var description = new JsonObject
        {
            ["types"] = new JsonArray([.. field.Types.Select(t => (JsonNode)t)]),
            ["count"] = field.Count,
            ["nulls"] = field.Nulls,
            ["sources"] = new JsonArray([.. field.BySource.Keys.Select(s => (JsonNode)s)]),
        };

        // Upstream steps each giving one value: show them side by side ({"process_a": 1, "process_b": 2}).
        if (byStepId && field.BySource.Values.All(v => v.Count == 1))
        {
            description["by_source"] = new JsonObject([.. field.BySource.Select(s => new KeyValuePair<string, JsonNode?>(s.Key, s.Value[0]?.DeepClone()))]);
        }

        if (field.Numbers.Count > 0)
        {
            description["numeric"] = NumericStatistics.Describe(field.Numbers);
        }

        if (field.True + field.False > 0)
        {
            description["boolean"] = new JsonObject { ["true"] = field.True, ["false"] = field.False };
        }

        if (field.Strings.Count > 0)
        {
            description["text"] = DescribeText(field.Strings, prose);
        }

        return description;
    }

    private static JsonObject DescribeText(List<string> strings, ProseDescription? prose)
    {
        var frequencies = strings.GroupBy(s => s, StringComparer.Ordinal)
            .Select(g => (Value: g.Key, Count: g.Count()))
            .OrderByDescending(g => g.Count)
            .ThenBy(g => g.Value, StringComparer.Ordinal)
            .ToList();
        var text = new JsonObject
        {
            ["distinct"] = frequencies.Count,
            ["min_length"] = strings.Min(s => s.Length),
            ["max_length"] = strings.Max(s => s.Length),
            ["mean_length"] = NumericStatistics.Round(strings.Average(s => s.Length)),
        };
        if (frequencies.Count < strings.Count)
        {
            text["top_values"] = new JsonArray([.. frequencies.Take(5).Select(f => (JsonNode)new JsonObject { ["value"] = f.Value, ["count"] = f.Count })]);
        }

        if (prose is not null)
        {
            text["summary"] = prose.Summary;
            text["label"] = prose.Label;
            text["label_score"] = prose.Score;
        }

        return text;
    }

    private static string Summarize(int recordCount, List<string> sources, IReadOnlyList<FieldProfile> fields, Dictionary<string, ProseDescription> prose)
    {
        var parts = fields.Take(MaxFieldsInSummary).Select(field =>
        {
            var facts = new List<string> { $"{field.Count} value{(field.Count == 1 ? "" : "s")}" };
            if (field.Numbers.Count > 0)
            {
                var stats = NumericStatistics.Describe(field.Numbers);
                facts.Add(string.Create(CultureInfo.InvariantCulture, $"min {stats["min"]}, max {stats["max"]}, mean {stats["mean"]}"));
            }

            if (field.Strings.Count > 0)
            {
                facts.Add($"{field.Strings.Distinct(StringComparer.Ordinal).Count()} distinct");
            }

            if (prose.TryGetValue(field.Path, out var description))
            {
                facts.Add($"mostly {description.Label}");
            }

            return $"{field.Path}: {string.Join("/", field.Types)} ({string.Join(", ", facts)})";
        });
        var more = fields.Count > MaxFieldsInSummary ? $"; and {fields.Count - MaxFieldsInSummary} more" : "";
        return $"{recordCount} record{(recordCount == 1 ? "" : "s")} from {string.Join(", ", sources)}, {fields.Count} field{(fields.Count == 1 ? "" : "s")}. "
            + string.Join("; ", parts) + more + ".";
    }

    private static int WordCount(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    private sealed record ProseDescription(string Summary, string Label, double Score);
}
