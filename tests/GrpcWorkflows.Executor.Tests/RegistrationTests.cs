using System.Threading.Channels;
using GrpcWorkflows.Executor.Tests.Infrastructure;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Executor.Tests;

public sealed class RegistrationTests
{
    private static async Task<string> NextAsync(ChannelReader<string> events) => await events.ReadAsync().AsTask().DefaultTimeout();

    [Fact]
    public async Task Start_OrchestratorConfigured_RegistersHeartbeatsAndDeregistersOnStop()
    {
        await using var registry = await TestRegistryServer.StartAsync(TimeSpan.FromMilliseconds(100));
        var server = await ExecutorServer.StartAsync(
            b => b.AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input)).AddStepHandler("upper", (c, _) => ValueTask.FromResult(c.Input)),
            o =>
            {
                o.OrchestratorAddress = registry.Address;
                o.Mode = ExecutorMode.Push;
                o.Name = "reg-test";
                o.MaxConcurrency = 4;
                o.Labels["zone"] = "a";
            });
        var events = registry.Calls.Events.Reader;

        Assert.Equal("register:executor-1", await NextAsync(events));
        Assert.Equal("heartbeat:executor-1", await NextAsync(events));
        Assert.Equal("heartbeat:executor-1", await NextAsync(events));
        await server.DisposeAsync();
        string last;
        do
        {
            last = await NextAsync(events);
        }
        while (last.StartsWith("heartbeat:", StringComparison.Ordinal));

        Assert.Equal("deregister:executor-1", last);
        var registration = Assert.Single(registry.Calls.Registrations);
        Assert.Equal(server.Address, registration.Endpoint);
        Assert.Equal(["echo", "upper"], registration.StepTypes);
        Assert.Equal(4, registration.MaxConcurrency);
        Assert.Equal("reg-test", registration.Name);
        Assert.Equal("a", registration.Labels["zone"]);
    }

    [Fact]
    public async Task Heartbeat_LeaseExpired_RegistersAgain()
    {
        await using var registry = await TestRegistryServer.StartAsync(TimeSpan.FromMilliseconds(100));
        lock (registry.Calls.ForgottenIds)
        {
            registry.Calls.ForgottenIds.Add("executor-1");
        }

        await using var server = await ExecutorServer.StartAsync(
            b => b.AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input)),
            o =>
            {
                o.OrchestratorAddress = registry.Address;
                o.Mode = ExecutorMode.Push;
            });
        var events = registry.Calls.Events.Reader;

        Assert.Equal("register:executor-1", await NextAsync(events));
        Assert.Equal("heartbeat:executor-1", await NextAsync(events));
        Assert.Equal("register:executor-2", await NextAsync(events));
        Assert.Equal("heartbeat:executor-2", await NextAsync(events));
    }

    [Fact]
    public async Task Register_OrchestratorUnavailableAtFirst_RetriesUntilItAnswers()
    {
        await using var registry = await TestRegistryServer.StartAsync(TimeSpan.FromSeconds(30), failFirstRegistrations: 2);

        await using var server = await ExecutorServer.StartAsync(
            b => b.AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input)),
            o =>
            {
                o.OrchestratorAddress = registry.Address;
                o.Mode = ExecutorMode.Push;
                o.RegistrationRetryInitialDelay = TimeSpan.FromMilliseconds(50);
            });

        Assert.Equal("register:executor-1", await NextAsync(registry.Calls.Events.Reader));
        Assert.Equal(3, registry.Calls.RegisterAttempts);
    }

    [Fact]
    public async Task Start_AdvertisedAddressSet_RegistersThatAddress()
    {
        await using var registry = await TestRegistryServer.StartAsync(TimeSpan.FromSeconds(30));

        await using var server = await ExecutorServer.StartAsync(
            b => b.AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input)),
            o =>
            {
                o.OrchestratorAddress = registry.Address;
                o.Mode = ExecutorMode.Push;
                o.AdvertisedAddress = "http://executor.internal:9000/";
            });

        Assert.Equal("register:executor-1", await NextAsync(registry.Calls.Events.Reader));
        Assert.Equal("http://executor.internal:9000", Assert.Single(registry.Calls.Registrations).Endpoint);
    }
}
