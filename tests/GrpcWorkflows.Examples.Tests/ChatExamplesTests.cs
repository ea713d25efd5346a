using GrpcWorkflows.V1;

namespace GrpcWorkflows.Examples.Tests;

/// <summary>The chat-provider example, against a local server speaking the OpenAI chat-completions wire format.</summary>
public sealed class ChatExamplesTests(ChatStackFixture fixture) : IClassFixture<ChatStackFixture>
{
    [Fact]
    public async Task AiSummaryChat_PromptTemplatedFromUpstream_RetriesA429AndPublishesTheAnswer()
    {
        const string answer = "Checkout saw 42 payment-gateway timeouts in 15 minutes after the 14:05 deploy; the 14:20 rollback fixed it.";
        fixture.Provider.EnqueueError(429, "slow down", new Dictionary<string, string> { ["retry-after-ms"] = "300" });
        fixture.Provider.EnqueueCompletion(answer, promptTokens: 60, completionTokens: 25);

        var execution = await fixture.Stack.RunAsync(ExampleFiles.Load("ai_summary_chat.json"));

        Assert.True(execution.State == ExecutionState.Succeeded, fixture.Stack.Logs);
        var summary = execution.StepsById()["summary"];
        Assert.Equal(2, summary.Attempts);
        Assert.Equal("RESOURCE_EXHAUSTED", summary.AttemptHistory[0].Error.Code);
        Assert.Equal(answer, summary.Output.Fields["text"].StringValue);
        Assert.Equal(85, summary.Output.Fields["usage"].StructValue.Fields["total_tokens"].NumberValue);

        // The prompt the provider received was resolved from the incident step's output.
        var (body, authorization) = fixture.Provider.Requests.Last();
        var messages = body["messages"]!.AsArray();
        Assert.Contains("operations channel", messages[0]!["content"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal("Summarise the incident on checkout: 42 errors in 15 minutes. Notes: Payment gateway timeouts started after the 14:05 deploy; rollback at 14:20 restored service.", messages[1]!["content"]!.ToString());
        Assert.Equal("Bearer test-key", authorization);

        var result = execution.StepsById()["publish"].Output.Fields["result"].StructValue.Fields;
        Assert.Equal("checkout", result["service"].StringValue);
        Assert.Equal(answer, result["summary"].StringValue);
    }
}
