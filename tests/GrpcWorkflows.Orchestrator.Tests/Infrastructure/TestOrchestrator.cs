using Grpc.Net.Client;
using GrpcWorkflows.Orchestrator.Hosting;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcWorkflows.Orchestrator.Tests.Infrastructure;

/// <summary>The real orchestrator host on Kestrel, loopback, a free port; with clients on one channel.</summary>
internal sealed class TestOrchestrator : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestOrchestrator(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        Workflows = new WorkflowService.WorkflowServiceClient(Channel);
        Registry = new ExecutorRegistryService.ExecutorRegistryServiceClient(Channel);
    }

    /// <summary>Short leases, fast sweeps and quick retries, so tests finish in seconds.</summary>
    public static IReadOnlyDictionary<string, string> FastSettings { get; } = new Dictionary<string, string>
    {
        ["Executors:LeaseDuration"] = "00:00:03",
        ["Executors:HeartbeatInterval"] = "00:00:00.5",
        ["Executors:SweepInterval"] = "00:00:00.2",
        ["Dispatch:CircuitMinimumThroughput"] = "4",
        ["Dispatch:CircuitBreakDuration"] = "00:00:30",
        ["Engine:DefaultRetryPolicy:InitialBackoff"] = "00:00:00.05",
        ["Engine:DefaultRetryPolicy:MaxBackoff"] = "00:00:00.5",
        ["Orchestrator:ShutdownGracePeriod"] = "00:00:02",
        ["Storage:Provider"] = "memory",
    };

    public Uri Address { get; }

    /// <summary>The HTTP/1.1 address (dashboard, JSON API, /metrics) when <c>Orchestrator:HttpAddress</c> was set; otherwise null.</summary>
    public Uri? HttpAddress => _app.Urls.Skip(1).Select(url => new Uri(url)).FirstOrDefault();

    public GrpcChannel Channel { get; }

    public WorkflowService.WorkflowServiceClient Workflows { get; }

    public ExecutorRegistryService.ExecutorRegistryServiceClient Registry { get; }

    public IServiceProvider Services => _app.Services;

    public ExecutorRegistry ExecutorRegistry => _app.Services.GetRequiredService<ExecutorRegistry>();

    public static async Task<TestOrchestrator> StartAsync(IReadOnlyDictionary<string, string>? settings = null, string urls = "http://127.0.0.1:0")
    {
        var args = new List<string> { "--urls", urls };
        foreach (var (key, value) in FastSettings.Concat(settings ?? new Dictionary<string, string>()).GroupBy(p => p.Key).Select(g => g.Last()))
        {
            args.Add($"--{key}={value}");
        }

        var builder = OrchestratorHost.CreateBuilder([.. args]);
        var app = builder.Build();
        app.MapGrpcWorkflowsOrchestrator();
        await app.StartAsync().DefaultTimeout();
        return new TestOrchestrator(app, new Uri(app.Urls.First()));
    }

    /// <summary>Waits until <paramref name="count"/> executors serving <paramref name="stepType"/> are registered.</summary>
    public Task WaitForExecutorsAsync(string stepType, int count = 1)
        => AsyncTestHelpers.WaitUntilAsync(() => ExecutorRegistry.EndpointsFor(stepType).Length >= count, $"{count} executor(s) serve '{stepType}'");

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }
}
