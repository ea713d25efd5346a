using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Registry.Internal;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GrpcWorkflows.Orchestrator.Tests.Registry;

/// <summary>Leases, static executors and listings, on a fake clock.</summary>
public sealed class ExecutorRegistryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Register_ValidRequest_ServesItsTypesWithTheLeaseAndHeartbeatInterval()
    {
        var registry = Create();

        var response = (await registry.RegisterAsync(Registration("http://127.0.0.1:5101/", 4, "a", "b"), CallerPrincipal.Unrestricted)).Response;

        Assert.True(registry.IsServed("a"));
        Assert.True(registry.IsServed("b"));
        Assert.False(registry.IsServed("c"));
        Assert.Equal(TimeSpan.FromSeconds(15), response.LeaseDuration.ToTimeSpan());
        Assert.Equal(TimeSpan.FromSeconds(5), response.HeartbeatInterval.ToTimeSpan());
        var endpoint = Assert.Single(registry.EndpointsFor("a"));
        Assert.Equal("http://127.0.0.1:5101", endpoint.Address);
        Assert.Equal(4, endpoint.Capacity);
    }

    [Fact]
    public async Task RemoveExpired_NoHeartbeatPastTheLease_RemovesTheEndpoint()
    {
        var registry = Create();
        var id = (await registry.RegisterAsync(Registration("http://127.0.0.1:5101", 4, "a"), CallerPrincipal.Unrestricted)).Response.ExecutorId;
        var changed = 0;
        registry.Changed += (_, _) => changed++;

        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(0, registry.RemoveExpired());
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, registry.RemoveExpired());

        Assert.False(registry.IsServed("a"));
        Assert.Empty(registry.EndpointsFor("a"));
        Assert.Null(registry.Heartbeat(id, CallerPrincipal.Unrestricted));
        Assert.Equal(1, changed);
    }

    [Fact]
    public async Task Heartbeat_BeforeExpiry_ExtendsTheLease()
    {
        var registry = Create();
        var id = (await registry.RegisterAsync(Registration("http://127.0.0.1:5101", 4, "a"), CallerPrincipal.Unrestricted)).Response.ExecutorId;

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(15), registry.Heartbeat(id, CallerPrincipal.Unrestricted));
            Assert.Equal(0, registry.RemoveExpired());
        }

        Assert.True(registry.IsServed("a"));
    }

    [Fact]
    public async Task Register_SameEndpointAgain_ReplacesTheEntryAndKeepsOneEndpoint()
    {
        var registry = Create();
        var first = (await registry.RegisterAsync(Registration("http://127.0.0.1:5101", 4, "a"), CallerPrincipal.Unrestricted)).Response.ExecutorId;

        var second = (await registry.RegisterAsync(Registration("http://127.0.0.1:5101", 8, "a", "b"), CallerPrincipal.Unrestricted)).Response.ExecutorId;

        Assert.NotEqual(first, second);
        var listed = Assert.Single(registry.List());
        Assert.Equal(second, listed.ExecutorId);
        Assert.Equal(8, Assert.Single(registry.EndpointsFor("a")).Capacity);
        Assert.Same(registry.EndpointsFor("a")[0], registry.EndpointsFor("b")[0]);
        Assert.Null(registry.Heartbeat(first, CallerPrincipal.Unrestricted));
    }

    [Fact]
    public async Task Deregister_Registered_StopsServing()
    {
        var registry = Create();
        var id = (await registry.RegisterAsync(Registration("http://127.0.0.1:5101", 4, "a"), CallerPrincipal.Unrestricted)).Response.ExecutorId;

        Assert.Equal(DeregisterOutcome.Removed, registry.Deregister(id, CallerPrincipal.Unrestricted));

        Assert.False(registry.IsServed("a"));
        Assert.Equal(DeregisterOutcome.Unknown, registry.Deregister(id, CallerPrincipal.Unrestricted));
    }

    [Fact]
    public void StaticExecutors_FromOptions_ServeAndNeverExpire()
    {
        var registry = Create(new StaticExecutorOptions { Endpoint = "http://127.0.0.1:6000", StepTypes = ["s"], MaxConcurrency = 0 });

        _time.Advance(TimeSpan.FromDays(1));
        registry.RemoveExpired();

        Assert.True(registry.IsServed("s"));
        var info = Assert.Single(registry.List("s"));
        Assert.Equal(ExecutorSource.Static, info.Source);
        Assert.Equal(ExecutorHealth.Serving, info.Health);
        Assert.Equal(CircuitState.Closed, info.CircuitState);
        Assert.Equal(ExecutorRegistryOptions.DefaultMaxConcurrencyValue, info.MaxConcurrency);
        Assert.Null(info.LeaseExpireTime);
    }

    [Fact]
    public async Task List_ByStepType_OnlyThoseServingIt()
    {
        var registry = Create();
        await registry.RegisterAsync(Registration("http://127.0.0.1:5101", 4, "a"), CallerPrincipal.Unrestricted);
        await registry.RegisterAsync(Registration("http://127.0.0.1:5102", 4, "b"), CallerPrincipal.Unrestricted);

        var listed = registry.List("b");

        Assert.Equal("http://127.0.0.1:5102", Assert.Single(listed).Endpoint);
        Assert.Equal(2, registry.List().Count);
    }

    [Fact]
    public void Validator_BadSettings_SaysWhatToChange()
    {
        var options = new ExecutorRegistryOptions
        {
            LeaseDuration = TimeSpan.FromSeconds(5),
            HeartbeatInterval = TimeSpan.FromSeconds(10),
            Static = [new StaticExecutorOptions { Endpoint = "localhost:5000", StepTypes = [] }],
        };

        var result = new ExecutorRegistryOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Executors:HeartbeatInterval", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Executors:Static:0:Endpoint", StringComparison.Ordinal) && f.Contains("http://", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Executors:Static:0:StepTypes", StringComparison.Ordinal));
    }

    private ExecutorRegistry Create(params StaticExecutorOptions[] statics)
        => new(Options.Create(new ExecutorRegistryOptions { Static = [.. statics] }), _time, NullLogger<ExecutorRegistry>.Instance);

    private static RegisterExecutorRequest Registration(string endpoint, int maxConcurrency, params string[] stepTypes)
    {
        var request = new RegisterExecutorRequest { Endpoint = endpoint, MaxConcurrency = maxConcurrency, Name = "test", Version = "1" };
        request.StepTypes.Add(stepTypes);
        return request;
    }
}
