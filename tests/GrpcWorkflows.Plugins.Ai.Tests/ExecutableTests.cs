using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Ai.Tests.Infrastructure;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Plugins.Ai.Tests;

/// <summary>The <c>ai</c> executable as a child process, called over gRPC on loopback.</summary>
public sealed class ExecutableTests
{
    private const string Assembly = "GrpcWorkflows.Plugins.Ai";

    [Fact]
    public async Task ExecuteStep_SeedAiAnalysisOnAFreshProcess_ProfilesBothUpstreamValuesOnTheLocalModel()
    {
        await using var process = TestProcess.StartDotnet(Assembly, ["--urls", "http://127.0.0.1:0"]);
        var address = await process.WaitForListeningAsync();
        using var channel = GrpcChannel.ForAddress(address);
        var client = new StepExecutorService.StepExecutorServiceClient(channel);

        var description = await client.DescribeExecutorAsync(new DescribeExecutorRequest()).ResponseAsync.DefaultTimeout();
        var response = await client.ExecuteStepAsync(
            Steps.Request("""{"prompt": "Analyze data"}""", new Dictionary<string, string> { ["process_a"] = """{"value": 1}""", ["process_b"] = """{"value": 2}""" }, "ai_analysis"),
            deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync.DefaultTimeout();
        var classified = await client.ExecuteStepAsync(
            Steps.Request("""{"task": "classify", "text": "The screen goes black and the app crashes on start.", "labels": ["software bug", "billing question"]}"""),
            deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync.DefaultTimeout();

        var stepType = Assert.Single(description.StepTypes, t => t.Type == "ai");
        Assert.Contains("chat", stepType.InputSchema.Fields["properties"].StructValue.Fields["task"].StructValue.Fields["enum"].ListValue.Values.Select(v => v.StringValue));
        Assert.Equal("ai", description.Name);
        Assert.Null(response.Error);
        var output = StructJson.ToJsonObject(response.Output);
        Assert.Equal("local", (string?)output["provider"]);
        Assert.Equal(1.5, (double)output["fields"]!["value"]!["numeric"]!["mean"]!);
        Assert.Equal(2, (int)output["fields"]!["value"]!["by_source"]!["process_b"]!);
        Assert.Equal("software bug", classified.Output.Fields["label"].StringValue);
        await process.WaitForLineAsync(l => l.Contains("Loaded the local embedding model all-MiniLM-L6-v2", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ExecuteStep_ChatProviderFromEnvironment_AnswersAndReportsRateLimitAsRetryableWithDelay()
    {
        await using var provider = await OpenAiWireDouble.StartAsync();
        provider.EnqueueCompletion("Both values are small.", model: "env-model");
        provider.EnqueueError(429, "slow down", new Dictionary<string, string> { ["Retry-After"] = "3" });
        await using var process = TestProcess.StartDotnet(
            Assembly,
            ["--urls", "http://127.0.0.1:0"],
            new Dictionary<string, string?>
            {
                ["Ai__Chat__Endpoint"] = provider.Endpoint.ToString(),
                ["Ai__Chat__Model"] = "env-model",
                ["Ai__Local__WarmUpOnStart"] = "false",
            });
        var address = await process.WaitForListeningAsync();
        using var channel = GrpcChannel.ForAddress(address);
        var client = new StepExecutorService.StepExecutorServiceClient(channel);

        var answered = await client.ExecuteStepAsync(Steps.Request("""{"prompt": "Describe the data"}""")).ResponseAsync.DefaultTimeout();
        var limited = await client.ExecuteStepAsync(Steps.Request("""{"prompt": "Describe the data"}""")).ResponseAsync.DefaultTimeout();

        Assert.Equal("Both values are small.", answered.Output.Fields["text"].StringValue);
        Assert.Equal(17, (int)answered.Output.Fields["usage"].StructValue.Fields["total_tokens"].NumberValue);
        Assert.Equal("RESOURCE_EXHAUSTED", limited.Error.Code);
        Assert.True(limited.Error.Retryable);
        Assert.Equal(Duration.FromTimeSpan(TimeSpan.FromSeconds(3)), limited.RetryAfter);
        Assert.DoesNotContain(process.Lines, l => l.Contains("Loaded the local embedding model", StringComparison.Ordinal));
    }
}
