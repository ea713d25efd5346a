// Shared by test projects on the Web SDK: <Compile Include="../SharedWeb/*.cs" LinkBase="Shared" />
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Testing;

/// <summary>
/// A test double of an OpenAI-compatible provider on a real socket (Kestrel on 127.0.0.1, port 0): it serves
/// <c>POST /v1/chat/completions</c> with the responses the test queued, in order, and records every request body
/// and its Authorization header.
/// </summary>
internal sealed class OpenAiWireDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string Body, IReadOnlyDictionary<string, string> Headers)> _responses = new();
    private readonly CancellationTokenSource _stopping = new();

    private OpenAiWireDouble(WebApplication app) => _app = app;

    /// <summary>The base address to configure as <c>Ai:Chat:Endpoint</c> (ends in <c>/v1</c>).</summary>
    public Uri Endpoint { get; private set; } = null!;

    public ConcurrentQueue<(JsonObject Body, string? Authorization)> Requests { get; } = new();

    public static async Task<OpenAiWireDouble> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new OpenAiWireDouble(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync().DefaultTimeout();
        server.Endpoint = new Uri(app.Urls.Single().TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>Queues a successful chat completion, OpenAI style, with token usage.</summary>
    public void EnqueueCompletion(string content, string model = "test-model-2025", int promptTokens = 12, int completionTokens = 5) =>
        Enqueue(200, new JsonObject
        {
            ["id"] = "chatcmpl-test",
            ["object"] = "chat.completion",
            ["created"] = 1_750_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
        }.ToJsonString());

    /// <summary>Queues an OpenAI-style error.</summary>
    public void EnqueueError(int status, string message, IReadOnlyDictionary<string, string>? headers = null) =>
        Enqueue(status, new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "test_error", ["code"] = null } }.ToJsonString(), headers);

    public void Enqueue(int status, string body, IReadOnlyDictionary<string, string>? headers = null) =>
        _responses.Enqueue((status, body, headers ?? new Dictionary<string, string>()));

    /// <summary>Makes the next request hang until the client gives up (or the double stops).</summary>
    public void EnqueueHang() => Enqueue(0, "", null);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync().DefaultTimeout();
        _stopping.Dispose();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        Requests.Enqueue((body!.AsObject(), context.Request.Headers.Authorization.ToString()));
        if (!_responses.TryDequeue(out var response))
        {
            response = (500, """{"error":{"message":"the test queued no response"}}""", new Dictionary<string, string>());
        }

        if (response.Status == 0)
        {
            using var hung = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            await Task.Delay(Timeout.Infinite, hung.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        context.Response.StatusCode = response.Status;
        context.Response.ContentType = "application/json";
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync(response.Body);
    }
}
