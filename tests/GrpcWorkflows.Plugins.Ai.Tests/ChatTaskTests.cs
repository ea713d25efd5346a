using System.Net;
using System.Net.Sockets;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Ai.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Plugins.Ai.Tests;

/// <summary>The <c>chat</c> task against an OpenAI wire-format test double on a real socket.</summary>
public sealed class ChatTaskTests : IAsyncLifetime
{
    private OpenAiWireDouble _provider = null!;
    private ServiceProvider _services = null!;
    private IStepHandler _handler = null!;

    public async Task InitializeAsync()
    {
        _provider = await OpenAiWireDouble.StartAsync();
        _services = AiServices.Build(new Dictionary<string, string?>
        {
            ["Ai:Chat:Endpoint"] = _provider.Endpoint.ToString(),
            ["Ai:Chat:Model"] = "configured-model",
            ["Ai:Chat:ApiKey"] = "sk-test-key",
        });
        _handler = _services.Handler();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task Chat_Success_ReturnsTextModelAndUsageAndSendsTheRequestAsAsked()
    {
        _provider.EnqueueCompletion("Hello from the model", model: "served-model-1");

        var output = await _handler.RunAsync("""
            {"task": "chat", "prompt": "Say hello to Ada", "system": "You are terse.", "model": "step-model", "temperature": 0.25, "max_tokens": 64}
            """);

        Assert.Equal("chat", (string?)output["provider"]);
        Assert.Equal("Hello from the model", (string?)output["text"]);
        Assert.Equal("served-model-1", (string?)output["model"]);
        Assert.Equal("stop", (string?)output["finish_reason"]);
        Assert.Equal(12, (int)output["usage"]!["input_tokens"]!);
        Assert.Equal(5, (int)output["usage"]!["output_tokens"]!);
        Assert.Equal(17, (int)output["usage"]!["total_tokens"]!);

        var (body, authorization) = Assert.Single(_provider.Requests);
        Assert.Equal("Bearer sk-test-key", authorization);
        Assert.Equal("step-model", (string?)body["model"]);
        Assert.Equal(0.25, (double)body["temperature"]!, 3);
        Assert.Equal(64, (int)(body["max_completion_tokens"] ?? body["max_tokens"])!);
        var messages = body["messages"]!.AsArray();
        Assert.Equal("system", (string?)messages[0]!["role"]);
        Assert.Equal("You are terse.", (string?)messages[0]!["content"]);
        Assert.Equal("user", (string?)messages[1]!["role"]);
        Assert.Equal("Say hello to Ada", (string?)messages[1]!["content"]);
    }

    [Fact]
    public async Task Chat_PromptWithoutTaskAndProviderConfigured_UsesTheConfiguredModel()
    {
        _provider.EnqueueCompletion("ok");

        var output = await _handler.RunAsync("""{"prompt": "Analyze data"}""");

        Assert.Equal("chat", (string?)output["provider"]);
        Assert.Equal("ok", (string?)output["text"]);
        Assert.Equal("configured-model", (string?)Assert.Single(_provider.Requests).Body["model"]);
    }

    [Fact]
    public async Task Chat_IncludeUpstream_AppendsDependenciesKeyedByStepId()
    {
        _provider.EnqueueCompletion("done");

        await _handler.RunAsync(
            """{"prompt": "Compare the values.", "include_upstream": true}""",
            new Dictionary<string, string> { ["process_a"] = """{"value": 1}""", ["process_b"] = """{"value": 2}""" });

        var content = (string?)Assert.Single(_provider.Requests).Body["messages"]![0]!["content"];
        Assert.StartsWith("Compare the values.", content, StringComparison.Ordinal);
        Assert.Contains("""{"process_a":{"value":1},"process_b":{"value":2}}""", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_JsonResponseFormat_ParsesTheAnswerIntoTheOutput()
    {
        _provider.EnqueueCompletion("""{"sentiment": "positive", "score": 0.9, "topics": ["price", "speed"]}""");

        var output = await _handler.RunAsync("""{"task": "chat", "prompt": "Rate: fast and cheap!", "response_format": "json"}""");

        Assert.Equal("positive", (string?)output["json"]!["sentiment"]);
        Assert.Equal(0.9, (double)output["json"]!["score"]!);
        Assert.Equal("speed", (string?)output["json"]!["topics"]![1]);
        Assert.Null(output["text"]);
        var format = Assert.Single(_provider.Requests).Body["response_format"];
        Assert.Equal("json_object", (string?)format!["type"]);
    }

    [Fact]
    public async Task Chat_JsonResponseFormatInCodeFence_IsParsed()
    {
        _provider.EnqueueCompletion("```json\n{\"ok\": true}\n```");

        var output = await _handler.RunAsync("""{"task": "chat", "prompt": "p", "response_format": "json"}""");

        Assert.True((bool)output["json"]!["ok"]!);
    }

    [Fact]
    public async Task Chat_JsonResponseFormatWithInvalidJson_IsNonRetryable()
    {
        _provider.EnqueueCompletion("Sure! Here is the JSON: {sentiment: positive");

        var failure = await _handler.FailAsync("""{"task": "chat", "prompt": "p", "response_format": "json"}""");

        Assert.Equal("INVALID_MODEL_OUTPUT", failure.Code);
        Assert.False(failure.IsRetryable);
        Assert.Contains("not valid JSON", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_429WithRetryAfter_IsRetryableWithThatDelayAndNotRetriedByTheClient()
    {
        _provider.EnqueueError(429, "Rate limit reached for requests", new Dictionary<string, string> { ["Retry-After"] = "7" });
        _provider.EnqueueCompletion("must not be fetched by a client-side retry");

        var failure = await _handler.FailAsync("""{"task": "chat", "prompt": "p"}""");

        Assert.Equal("RESOURCE_EXHAUSTED", failure.Code);
        Assert.True(failure.IsRetryable);
        Assert.Equal(TimeSpan.FromSeconds(7), failure.RetryAfter);
        Assert.Contains("Rate limit reached for requests", failure.Message, StringComparison.Ordinal);
        Assert.Single(_provider.Requests);
    }

    [Fact]
    public async Task Chat_500_IsRetryableUnavailable()
    {
        _provider.EnqueueError(500, "The server had an error while processing your request");

        var failure = await _handler.FailAsync("""{"task": "chat", "prompt": "p"}""");

        Assert.Equal("UNAVAILABLE", failure.Code);
        Assert.True(failure.IsRetryable);
        Assert.Null(failure.RetryAfter);
        Assert.Contains("HTTP 500", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_503WithRetryAfterMs_HonoursTheMilliseconds()
    {
        _provider.EnqueueError(503, "overloaded", new Dictionary<string, string> { ["retry-after-ms"] = "1500" });

        var failure = await _handler.FailAsync("""{"task": "chat", "prompt": "p"}""");

        Assert.True(failure.IsRetryable);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), failure.RetryAfter);
    }

    [Fact]
    public async Task Chat_400_IsNotRetryableAndQuotesTheProvider()
    {
        _provider.EnqueueError(400, "This model's maximum context length is 8192 tokens");

        var failure = await _handler.FailAsync("""{"task": "chat", "prompt": "p"}""");

        Assert.Equal("INVALID_ARGUMENT", failure.Code);
        Assert.False(failure.IsRetryable);
        Assert.Contains("maximum context length", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_401_IsNotRetryableAndNamesTheApiKeySetting()
    {
        _provider.EnqueueError(401, "Incorrect API key provided");

        var failure = await _handler.FailAsync("""{"task": "chat", "prompt": "p"}""");

        Assert.Equal("UNAUTHENTICATED", failure.Code);
        Assert.False(failure.IsRetryable);
        Assert.Contains("Ai:Chat:ApiKey", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_ProviderDown_IsRetryableUnavailable()
    {
        // A port that was just free: nothing listens there, so the connection is refused.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var services = AiServices.Build(new Dictionary<string, string?> { ["Ai:Chat:Endpoint"] = $"http://127.0.0.1:{port}/v1", ["Ai:Chat:Model"] = "m" });

        var failure = await services.Handler().FailAsync("""{"task": "chat", "prompt": "p"}""");

        Assert.Equal("UNAVAILABLE", failure.Code);
        Assert.True(failure.IsRetryable);
    }

    [Fact]
    public async Task Chat_ProviderSlowerThanTheTimeout_IsRetryableDeadlineExceeded()
    {
        _provider.EnqueueHang();
        await using var services = AiServices.Build(new Dictionary<string, string?>
        {
            ["Ai:Chat:Endpoint"] = _provider.Endpoint.ToString(),
            ["Ai:Chat:Model"] = "m",
            ["Ai:Chat:Timeout"] = "00:00:01",
        });

        var failure = await services.Handler().FailAsync("""{"task": "chat", "prompt": "p"}""");

        Assert.Equal("DEADLINE_EXCEEDED", failure.Code);
        Assert.True(failure.IsRetryable);
        Assert.Contains("Ai:Chat:Timeout", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_EmptyEndpointSetting_MeansNoChatProvider()
    {
        await using var services = AiServices.Build(new Dictionary<string, string?> { ["Ai:Chat:Endpoint"] = "" });

        var failure = await services.Handler().FailAsync("""{"task": "chat", "prompt": "p"}""");

        Assert.Equal("FAILED_PRECONDITION", failure.Code);
        Assert.Contains("Ai:Chat:Endpoint", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_EndpointWithoutHttpScheme_FailsValidationNamingTheSetting()
    {
        await using var services = AiServices.Build(new Dictionary<string, string?> { ["Ai:Chat:Endpoint"] = "localhost:11434/v1" });

        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AiOptions>>().Value);

        Assert.Contains("Ai:Chat:Endpoint must be an absolute http or https address", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_EndpointWithoutModel_IsFailedPreconditionNamingTheModelSetting()
    {
        await using var services = AiServices.Build(new Dictionary<string, string?> { ["Ai:Chat:Endpoint"] = _provider.Endpoint.ToString() });

        var failure = await services.Handler().FailAsync("""{"task": "chat", "prompt": "p"}""");

        Assert.Equal("FAILED_PRECONDITION", failure.Code);
        Assert.Contains("Ai:Chat:Model", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_provider.Requests);
    }
}
