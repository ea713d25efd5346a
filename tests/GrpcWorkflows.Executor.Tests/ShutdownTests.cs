using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using GrpcWorkflows.Executor.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Executor.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_WhileDeregistering_InFlightCallFinishesNewCallsRefusedHealthNotServing()
    {
        await using var registry = await TestRegistryServer.StartAsync(TimeSpan.FromSeconds(30));
        registry.Calls.HoldDeregistration();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await ExecutorServer.StartAsync(
            b => b.AddStepHandler("slow", async (_, ct) =>
            {
                entered.TrySetResult();
                await release.Task.WaitAsync(ct);
                return StructJson.ParseStruct("""{"done": true}""");
            }),
            o =>
            {
                o.OrchestratorAddress = registry.Address;
                o.Mode = ExecutorMode.Push;
            });
        var events = registry.Calls.Events.Reader;
        Assert.Equal("register:executor-1", await events.ReadAsync().AsTask().DefaultTimeout());
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);
        var health = new Health.HealthClient(server.Channel);
        var request = new ExecuteStepRequest { StepId = "s", StepType = "slow", Input = new Struct() };

        var inFlight = client.ExecuteStepAsync(request).ResponseAsync;
        await entered.Task.DefaultTimeout();
        var stopping = server.App.StopAsync();
        Assert.Equal("deregister:executor-1", await events.ReadAsync().AsTask().DefaultTimeout());

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.ExecuteStepAsync(request).ResponseAsync.DefaultTimeout());
        var status = await health.CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();
        registry.Calls.ReleaseDeregistration();
        release.TrySetResult();
        var response = await inFlight.DefaultTimeout();
        await stopping.DefaultTimeout();

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal("The executor is shutting down.", refused.Status.Detail);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, status.Status);
        Assert.True(response.Output.Fields["done"].BoolValue);
    }
}
