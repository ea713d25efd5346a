using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Plugins.Tests.Infrastructure;

/// <summary>A real HTTP/1.1 listener on 127.0.0.1 that records webhook calls; the path picks its answer.</summary>
internal sealed class HookServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HookServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The base address, for example http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    public Channel<ReceivedHook> Received { get; } = Channel.CreateUnbounded<ReceivedHook>();

    public static async Task<HookServer> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        HookServer? server = null;
        app.MapPost("/hook/{mode}", async (string mode, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            server!.Received.Writer.TryWrite(new ReceivedHook(
                mode,
                body,
                request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            switch (mode)
            {
                case "slow":
                    await server._release.Task.WaitAsync(TimeSpan.FromSeconds(60));
                    return Results.Ok();
                case "fail500":
                    return Results.Problem("boom", statusCode: 500);
                case "limit429":
                    return Results.Text("slow down", statusCode: 429, contentType: "text/plain").WithRetryAfter("7");
                case "missing404":
                    return Results.NotFound("no such hook");
                default:
                    return Results.Ok(new { accepted = true });
            }
        });
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new HookServer(app, new Uri(address + "/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }

    internal sealed record ReceivedHook(string Mode, string Body, IReadOnlyDictionary<string, string> Headers);
}

/// <summary>Adds a Retry-After header to a result.</summary>
internal static class RetryAfterResultExtensions
{
    public static IResult WithRetryAfter(this IResult inner, string value) => new RetryAfterResult(inner, value);

    private sealed class RetryAfterResult(IResult inner, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
