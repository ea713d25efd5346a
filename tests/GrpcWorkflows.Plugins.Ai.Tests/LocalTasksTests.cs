using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Ai.Tests.Infrastructure;

namespace GrpcWorkflows.Plugins.Ai.Tests;

/// <summary>The local tasks on the real all-MiniLM-L6-v2 model.</summary>
[Collection(LocalModelDefinition.Name)]
public sealed class LocalTasksTests(LocalModelFixture model)
{
    [Fact]
    public async Task Classify_ClearTicket_PicksTheLabelWhoseDescriptionFits()
    {
        var output = await model.Handler.RunAsync("""
            {
              "task": "classify",
              "text": "I was charged twice on my credit card this month, please refund the duplicate payment.",
              "labels": {
                "billing": "payments, invoices, charges and refunds",
                "bug": "the software crashes, shows an error or does not work",
                "account": "login, password and user profile settings"
              }
            }
            """);

        Assert.Equal("local", (string?)output["provider"]);
        Assert.Equal("classify", (string?)output["task"]);
        Assert.Equal("billing", (string?)output["label"]);
        var scores = output["scores"]!.AsObject();
        Assert.True((double)output["score"]! > (double)scores["bug"]! && (double)output["score"]! > (double)scores["account"]!);
    }

    [Fact]
    public async Task Classify_ManyTexts_LabelsEachAndCountsPerLabel()
    {
        var output = await model.Handler.RunAsync("""
            {
              "task": "classify",
              "texts": [
                "The app crashes with a null reference error every time I press save.",
                "I forgot my password and cannot log in to my account.",
                "Why was my invoice higher than last month? I want a refund."
              ],
              "labels": {
                "billing": "payments, invoices, charges and refunds",
                "bug": "the software crashes, shows an error or does not work",
                "account": "login, password and user profile settings"
              }
            }
            """);

        var labels = output["results"]!.AsArray().Select(r => (string)r!["label"]!).ToArray();
        Assert.Equal(["bug", "account", "billing"], labels);
        Assert.Equal(1, (int)output["counts"]!["bug"]!);
        Assert.Equal(2, (int)output["results"]![2]!["index"]! - (int)output["results"]![0]!["index"]!);
    }

    [Fact]
    public async Task Similarity_Paraphrases_ScoreHigherThanUnrelatedTexts()
    {
        var output = await model.Handler.RunAsync("""
            {"task": "similarity", "texts": ["The cat sits on the mat.", "A kitten is resting on a rug.", "Quarterly revenue grew by ten percent."]}
            """);

        var matrix = output["matrix"]!.AsArray();
        var paraphrase = (double)output["similarity"]!;
        var unrelated = (double)matrix[0]![2]!;
        Assert.Equal(paraphrase, (double)matrix[0]![1]!);
        Assert.True(paraphrase > unrelated + 0.3, $"paraphrase {paraphrase} vs unrelated {unrelated}");
        Assert.Equal(1.0, (double)matrix[1]![1]!, 3);
        Assert.Equal((double)matrix[0]![2]!, (double)matrix[2]![0]!);
    }

    [Fact]
    public async Task Rank_Strings_OrdersByRelevanceToTheQuery()
    {
        var output = await model.Handler.RunAsync("""
            {
              "task": "rank",
              "query": "how do I reset a forgotten password",
              "items": ["Office party on Friday at five", "Steps to recover your account password", "Quarterly sales report for the board"]
            }
            """);

        var ranked = output["ranked"]!.AsArray();
        Assert.Equal(1, (int)ranked[0]!["index"]!);
        Assert.Equal("Steps to recover your account password", (string?)output["best"]);
        Assert.True((double)ranked[0]!["score"]! >= (double)ranked[1]!["score"]! && (double)ranked[1]!["score"]! >= (double)ranked[2]!["score"]!);
        Assert.Equal(3, (int)output["count"]!);
    }

    [Fact]
    public async Task Rank_ObjectsByFieldWithTopK_ReturnsTheBestItemsWhole()
    {
        var output = await model.Handler.RunAsync("""
            {
              "task": "rank",
              "query": "vegetarian dinner recipe",
              "field": "doc.title",
              "top_k": 2,
              "items": [
                {"id": 1, "doc": {"title": "Changing the oil of a diesel engine"}},
                {"id": 2, "doc": {"title": "Roasted vegetable lasagne without meat"}},
                {"id": 3, "doc": {"title": "Lentil and chickpea curry for the evening meal"}}
              ]
            }
            """);

        var ids = output["ranked"]!.AsArray().Select(r => (int)r!["item"]!["id"]!).ToArray();
        Assert.Equal([2, 3], ids.Order());
        Assert.Equal(ids[0], (int)output["best"]!["id"]!);
        Assert.Equal(2, output["ranked"]![0]!["item"]!.AsObject().Count);
    }

    [Fact]
    public async Task Summarize_OffTopicSentence_IsLeftOutAndOrderIsKept()
    {
        const string Text =
            "Solar panels convert sunlight into electricity. " +
            "The efficiency of solar panels has improved steadily over the last decade. " +
            "My neighbour's dog barks at the postman every morning. " +
            "Cheaper solar panels have made solar electricity affordable for many households. " +
            "Solar power now supplies a growing share of the electricity grid.";
        var output = await model.Handler.RunAsync(new JsonObject { ["task"] = "summarize", ["text"] = Text, ["max_sentences"] = 2 }.ToJsonString());

        var sentences = output["sentences"]!.AsArray();
        Assert.Equal(5, (int)output["sentence_count"]!);
        Assert.Equal(2, sentences.Count);
        Assert.DoesNotContain("dog", (string?)output["summary"], StringComparison.Ordinal);
        Assert.Contains("solar", (string?)output["summary"], StringComparison.OrdinalIgnoreCase);
        Assert.True((int)sentences[0]!["index"]! < (int)sentences[1]!["index"]!);
        Assert.Equal(string.Join(" ", sentences.Select(s => (string?)s!["text"])), (string?)output["summary"]);
    }

    [Fact]
    public async Task Embed_Texts_ReturnsOneUnitVectorOf384PerText()
    {
        var output = await model.Handler.RunAsync("""{"task": "embed", "texts": ["first text", "second text", "third text"]}""");

        var embeddings = output["embeddings"]!.AsArray();
        Assert.Equal(384, (int)output["dimensions"]!);
        Assert.Equal(3, embeddings.Count);
        foreach (var embedding in embeddings)
        {
            var vector = embedding!.AsArray().Select(c => (double)c!).ToArray();
            Assert.Equal(384, vector.Length);
            Assert.Equal(1.0, Math.Sqrt(vector.Sum(c => c * c)), 3);
        }
    }

    [Fact]
    public async Task Embed_OneText_ReturnsEmbeddingNotEmbeddings()
    {
        var output = await model.Handler.RunAsync("""{"task": "embed", "text": "hello world"}""");

        Assert.Equal(384, output["embedding"]!.AsArray().Count);
        Assert.Null(output["embeddings"]);
        Assert.Equal("all-MiniLM-L6-v2", (string?)output["model"]);
    }
}
