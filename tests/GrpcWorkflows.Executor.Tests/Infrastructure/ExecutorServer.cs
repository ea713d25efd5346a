using Grpc.Net.Client;
using GrpcWorkflows.Executor.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcWorkflows.Executor.Tests.Infrastructure;

/// <summary>An SDK executor on real Kestrel at 127.0.0.1:0, hosted exactly as an executable hosts it, with a channel to it.</summary>
internal sealed class ExecutorServer : IAsyncDisposable
{
    private ExecutorServer(WebApplication app, string address)
    {
        App = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
    }

    public WebApplication App { get; }

    public string Address { get; }

    public GrpcChannel Channel { get; }

    public static async Task<ExecutorServer> StartAsync(Action<IExecutorBuilder> addHandlers, Action<ExecutorOptions>? configure = null, params string[] extraArgs)
    {
        var builder = GrpcWorkflowsExecutorHost.CreateBuilder(["--urls", "http://127.0.0.1:0", .. extraArgs]);
        addHandlers(builder.Services.AddGrpcWorkflowsExecutor(configure));
        var app = builder.Build();
        app.MapGrpcWorkflowsExecutor();
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ExecutorServer(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await App.DisposeAsync();
    }
}
