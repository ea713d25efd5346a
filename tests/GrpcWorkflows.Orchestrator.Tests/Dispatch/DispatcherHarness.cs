using GrpcWorkflows.Orchestrator.Dispatch;
using GrpcWorkflows.Orchestrator.Registry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Tests.Dispatch;

/// <summary>A registry of static executors, a channel pool and the dispatcher over them, on the real clock.</summary>
internal sealed class DispatcherHarness : IAsyncDisposable
{
    public DispatcherHarness(IEnumerable<StaticExecutorOptions> executors, DispatchOptions? dispatch = null, TimeSpan? leaseDuration = null, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        var lease = leaseDuration ?? ExecutorRegistryOptions.DefaultLeaseDuration;
        var registryOptions = new ExecutorRegistryOptions { Static = [.. executors], LeaseDuration = lease, HeartbeatInterval = lease / 3 };
        var dispatchOptions = dispatch ?? new DispatchOptions { CircuitMinimumThroughput = 4, CircuitBreakDuration = TimeSpan.FromSeconds(30) };
        Registry = new ExecutorRegistry(Options.Create(registryOptions), TimeProvider.System, NullLogger<ExecutorRegistry>.Instance);
        Channels = new ChannelPool(Options.Create(dispatchOptions), TimeProvider.System, NullLogger<ChannelPool>.Instance);
        Dispatcher = new GrpcStepDispatcher(Registry, Channels, Options.Create(dispatchOptions), TimeProvider.System, NullLogger<GrpcStepDispatcher>.Instance, meterFactory);
    }

    public ExecutorRegistry Registry { get; }

    public ChannelPool Channels { get; }

    public GrpcStepDispatcher Dispatcher { get; }

    public static StaticExecutorOptions Executor(Uri address, int maxConcurrency = 16, params string[] stepTypes) => new()
    {
        Endpoint = address.ToString(),
        MaxConcurrency = maxConcurrency,
        StepTypes = stepTypes.Length > 0 ? [.. stepTypes] : [.. GrpcWorkflows.TestExecutor.TestExecutorApp.StepTypes],
    };

    /// <summary>An address nothing listens on (a port that was free a moment ago).</summary>
    public static Uri DeadAddress()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    public ValueTask DisposeAsync() => Channels.DisposeAsync();
}
