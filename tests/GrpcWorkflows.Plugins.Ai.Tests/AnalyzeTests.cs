using GrpcWorkflows.Plugins.Ai.Tests.Infrastructure;

namespace GrpcWorkflows.Plugins.Ai.Tests;

/// <summary>The <c>analyze</c> task and the prompt fallback, on the real model.</summary>
[Collection(LocalModelDefinition.Name)]
public sealed class AnalyzeTests(LocalModelFixture model)
{
    /// <summary>The seed's parallel_workflow: ai_analysis has only a prompt and depends on process_a and process_b.</summary>
    [Fact]
    public async Task Execute_SeedPromptWithoutChatProvider_AnalyzesBothUpstreamValuesLocally()
    {
        var output = await model.Handler.RunAsync(
            """{"prompt": "Analyze data"}""",
            new Dictionary<string, string> { ["process_a"] = """{"value": 1}""", ["process_b"] = """{"value": 2}""" });

        Assert.Equal("local", (string?)output["provider"]);
        Assert.Equal("analyze", (string?)output["task"]);
        Assert.Equal("Analyze data", (string?)output["prompt"]);
        Assert.Contains("Ai:Chat:Endpoint", (string?)output["note"], StringComparison.Ordinal);
        Assert.Equal(2, (int)output["record_count"]!);
        Assert.Equal(["process_a", "process_b"], output["sources"]!.AsArray().Select(s => (string?)s));

        var value = output["fields"]!["value"]!;
        Assert.Equal("number", (string?)value["types"]![0]);
        Assert.Equal(1, (int)value["by_source"]!["process_a"]!);
        Assert.Equal(2, (int)value["by_source"]!["process_b"]!);
        var numeric = value["numeric"]!;
        Assert.Equal(2, (int)numeric["count"]!);
        Assert.Equal(1.0, (double)numeric["min"]!);
        Assert.Equal(2.0, (double)numeric["max"]!);
        Assert.Equal(3.0, (double)numeric["sum"]!);
        Assert.Equal(1.5, (double)numeric["mean"]!);
        Assert.Equal(0.5, (double)numeric["stddev"]!);
        Assert.Contains("min 1, max 2, mean 1.5", (string?)output["summary"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_PromptWithChatOnlyInputs_FallsBackAndSaysWhichInputsItIgnored()
    {
        var output = await model.Handler.RunAsync(
            """{"prompt": "Summarise", "system": "Be brief", "temperature": 0.2}""",
            new Dictionary<string, string> { ["load"] = """{"count": 3}""" });

        Assert.Equal("local", (string?)output["provider"]);
        Assert.Contains("system, temperature", (string?)output["note"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_RecordsWithTextAndNestedFields_ProfilesTypesTextAndLabels()
    {
        var output = await model.Handler.RunAsync("""
            {
              "task": "analyze",
              "labels": ["complaint", "praise"],
              "data": [
                {"review": "The delivery was late and the box arrived broken. I want my money back.", "stars": 1, "verified": true, "tags": ["shipping"], "shop": {"city": "Oslo"}},
                {"review": "Terrible support, nobody answered my emails for two weeks.", "stars": 2, "verified": false, "tags": [], "shop": {"city": "Oslo"}},
                {"review": "Broken on arrival and the replacement is broken too.", "stars": 1, "verified": true, "tags": ["quality", "shipping"], "shop": {"city": null}}
              ]
            }
            """);

        var fields = output["fields"]!;
        Assert.Equal(["input.data"], output["sources"]!.AsArray().Select(s => (string?)s));
        Assert.Equal(3, (int)output["record_count"]!);
        Assert.Equal(1.333333, (double)fields["stars"]!["numeric"]!["mean"]!);
        Assert.Null(fields["stars"]!["by_source"]);
        Assert.Equal(2, (int)fields["verified"]!["boolean"]!["true"]!);
        Assert.Equal(3, (int)fields["tags[]"]!["count"]!);
        Assert.Equal("shipping", (string?)fields["tags[]"]!["text"]!["top_values"]![0]!["value"]);
        Assert.Equal(["null", "string"], fields["shop.city"]!["types"]!.AsArray().Select(t => (string?)t));
        Assert.Equal(1, (int)fields["shop.city"]!["nulls"]!);

        var review = fields["review"]!["text"]!;
        Assert.Equal("complaint", (string?)review["label"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)review["summary"]));
        Assert.Null(fields["tags[]"]!["text"]!["summary"]);
    }

    [Fact]
    public async Task Analyze_ComplaintTextsWithoutLabels_GetTheDefaultComplaintLabel()
    {
        var output = await model.Handler.RunAsync(
            """{"task": "analyze"}""",
            new Dictionary<string, string>
            {
                ["ticket_1"] = """{"body": "The delivery was late and the box arrived broken. I want a refund."}""",
                ["ticket_2"] = """{"body": "Worst purchase ever, it stopped working after a day and nobody answered my emails."}""",
            });

        var body = output["fields"]!["body"]!;
        Assert.Equal("complaint", (string?)body["text"]!["label"]);
        Assert.Null(output["note"]);
        Assert.Contains("mostly complaint", (string?)output["summary"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_NoDataAndNoDependencies_IsInvalidArgument()
    {
        var failure = await model.Handler.FailAsync("""{"prompt": "Analyze data"}""");

        Assert.Equal("INVALID_ARGUMENT", failure.Code);
        Assert.False(failure.IsRetryable);
        Assert.Contains("depends_on", failure.Message, StringComparison.Ordinal);
    }
}
