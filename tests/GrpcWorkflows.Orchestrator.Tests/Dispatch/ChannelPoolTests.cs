using GrpcWorkflows.Orchestrator.Dispatch;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GrpcWorkflows.Orchestrator.Tests.Dispatch;

/// <summary>One channel per endpoint, a bounded pool, idle channels closed — on a fake clock.</summary>
public sealed class ChannelPoolTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task GetClient_SameEndpointTwice_OneChannel()
    {
        var (registry, endpoints) = Endpoints(2);
        await using var pool = Pool(maxChannels: 8);

        var first = pool.GetClient(endpoints[0]);
        var again = pool.GetClient(endpoints[0]);
        pool.GetClient(endpoints[1]);

        Assert.Same(first, again);
        Assert.Equal(2, pool.Count);
        Assert.NotNull(registry);
    }

    [Fact]
    public async Task IdleSweep_UnusedPastTheIdleTimeout_ClosesOnlyThoseChannels()
    {
        var (_, endpoints) = Endpoints(2);
        await using var pool = Pool(maxChannels: 8);
        var idle = pool.GetClient(endpoints[0]);
        var busy = pool.GetClient(endpoints[1]);

        _time.Advance(TimeSpan.FromMinutes(3));
        pool.GetClient(endpoints[1]);
        _time.Advance(TimeSpan.FromMinutes(3)); // the pool's own sweep runs every half idle timeout

        Assert.Equal(1, pool.Count);
        Assert.Same(busy, pool.GetClient(endpoints[1]));
        Assert.NotSame(idle, pool.GetClient(endpoints[0]));
    }

    [Fact]
    public async Task GetClient_PoolFull_ClosesTheLeastRecentlyUsedIdleChannel()
    {
        var (_, endpoints) = Endpoints(3);
        await using var pool = Pool(maxChannels: 2);
        var oldest = pool.GetClient(endpoints[0]);
        _time.Advance(TimeSpan.FromSeconds(1));
        pool.GetClient(endpoints[1]);
        _time.Advance(TimeSpan.FromSeconds(1));

        pool.GetClient(endpoints[2]);
        var reopened = pool.GetClient(endpoints[0]);

        Assert.Equal(2, pool.Count);
        Assert.NotSame(oldest, reopened);
    }

    private ChannelPool Pool(int maxChannels)
        => new(Options.Create(new DispatchOptions { MaxChannels = maxChannels, ChannelIdleTimeout = TimeSpan.FromMinutes(5) }), _time, NullLogger<ChannelPool>.Instance);

    private (ExecutorRegistry Registry, ExecutorEndpoint[] Endpoints) Endpoints(int count)
    {
        var registry = new ExecutorRegistry(Options.Create(new ExecutorRegistryOptions()), _time, NullLogger<ExecutorRegistry>.Instance);
        var endpoints = new List<ExecutorEndpoint>();
        for (var i = 0; i < count; i++)
        {
            var request = new RegisterExecutorRequest { Endpoint = $"http://127.0.0.1:{6100 + i}", MaxConcurrency = 1 };
            request.StepTypes.Add($"type{i}");
            registry.RegisterAsync(request, CallerPrincipal.Unrestricted).AsTask().GetAwaiter().GetResult();
            endpoints.Add(registry.EndpointsFor($"type{i}")[0]);
        }

        return (registry, [.. endpoints]);
    }
}
