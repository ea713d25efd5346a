using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>Executors registering through the SDK, listing, deregistration, health and start-up validation.</summary>
public sealed class ExecutorRegistryServiceTests
{
    [Fact]
    public async Task SdkExecutor_InPushMode_StartsAndStops_IsListedServingThenDeregistered()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var executor = await InProcessExecutor.StartAsync(orchestrator.Address, maxConcurrency: 7, extraArgs: "--Executor:Mode=Push");
        await orchestrator.WaitForExecutorsAsync("echo");

        var listed = Assert.Single((await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest { StepType = "echo" }).ResponseAsync.DefaultTimeout()).Executors);
        await executor.DisposeAsync();
        await AsyncTestHelpers.WaitUntilAsync(() => !orchestrator.ExecutorRegistry.IsServed("echo"), "the executor deregistered");

        Assert.Equal(executor.Address.Port, new Uri(listed.Endpoint).Port);
        Assert.Equal(7, listed.MaxConcurrency);
        Assert.Equal(ExecutorHealth.Serving, listed.Health);
        Assert.Equal(ExecutorSource.Registered, listed.Source);
        Assert.Equal(CircuitState.Closed, listed.CircuitState);
        Assert.Contains("hang", listed.StepTypes);
        Assert.NotNull(listed.LeaseExpireTime);
    }

    [Fact]
    public async Task SdkExecutor_InConnectMode_StartsAndStops_IsListedAsASessionThenGoneAtOnce()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var executor = await InProcessExecutor.StartAsync(orchestrator.Address, maxConcurrency: 7);
        await orchestrator.WaitForExecutorsAsync("echo");

        var listed = Assert.Single((await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest { StepType = "echo" }).ResponseAsync.DefaultTimeout()).Executors);
        await executor.DisposeAsync();
        await AsyncTestHelpers.WaitUntilAsync(() => !orchestrator.ExecutorRegistry.IsServed("echo"), "the session ended");

        Assert.Equal($"session://{listed.ExecutorId}", listed.Endpoint);
        Assert.Equal(7, listed.MaxConcurrency);
        Assert.Equal(ExecutorHealth.Serving, listed.Health);
        Assert.Equal(ExecutorSource.Connected, listed.Source);
        Assert.Contains("hang", listed.StepTypes);
    }

    [Fact]
    public async Task RegisterExecutor_BadRequest_InvalidArgumentWithEveryProblem()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = "not a url", MaxConcurrency = -1 }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var fields = error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field).ToList();
        Assert.Equal(["endpoint", "step_types", "max_concurrency"], fields);

        // Readable without decoding grpc-status-details-bin: every problem is in the message too.
        Assert.StartsWith("The registration has 3 problem(s): endpoint: 'not a url' is not an absolute http:// or https:// URL", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("step_types: must list at least one step type.", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("max_concurrency: must be 0", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterExecutor_SameAddressAgain_ReplacesTheEarlierRegistrationAndNamesIt()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var first = await orchestrator.Registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:1/", StepTypes = { "old" } }).ResponseAsync.DefaultTimeout();

        var second = await orchestrator.Registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = "HTTP://127.0.0.1:1/some/path", StepTypes = { "new" } }).ResponseAsync.DefaultTimeout();
        var oldHeartbeat = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.HeartbeatAsync(new HeartbeatRequest { ExecutorId = first.ExecutorId }).ResponseAsync.DefaultTimeout());
        var listed = (await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync.DefaultTimeout()).Executors;

        Assert.Empty(first.ReplacedExecutorIds);
        Assert.Equal([first.ExecutorId], second.ReplacedExecutorIds);
        Assert.Equal(StatusCode.NotFound, oldHeartbeat.StatusCode);
        var only = Assert.Single(listed, e => e.Endpoint == "http://127.0.0.1:1");
        Assert.Equal((second.ExecutorId, "new"), (only.ExecutorId, Assert.Single(only.StepTypes)));
    }

    [Theory]
    [InlineData("http://169.254.169.254")]
    [InlineData("http://[::ffff:169.254.169.254]")]
    [InlineData("http://0.0.0.0:5101")]
    [InlineData("own")]
    public async Task RegisterExecutor_EndpointTheOrchestratorMustNotDial_InvalidArgumentAndNotServed(string endpoint)
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        endpoint = endpoint == "own" ? orchestrator.Address.ToString() : endpoint;

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = endpoint, StepTypes = { "ai" } }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("endpoint", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
        Assert.False(orchestrator.ExecutorRegistry.IsServed("ai"));
    }

    [Fact]
    public async Task RegisterExecutor_OversizedLabelsNameAndTooManyStepTypes_InvalidArgumentAndBoundedError()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var request = new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:5101", Name = new string('n', 5_000_000) };
        request.Labels.Add("big", new string('x', 1_000_000));
        request.StepTypes.AddRange(Enumerable.Range(0, 1000).Select(i => $"type{i}"));

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.RegisterExecutorAsync(request).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var status = error.GetRpcStatus()!;
        Assert.Equal(["step_types", "name", "labels.big"], status.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
        Assert.True(status.CalculateSize() < 8 * 1024, $"the status is {status.CalculateSize()} bytes");
        Assert.Empty((await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync.DefaultTimeout()).Executors);
    }

    [Fact]
    public async Task RegisterExecutor_BeyondMaxRegistrations_ResourceExhaustedAndReRegistrationStillAccepted()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Executors:MaxRegistrations"] = "2" });
        RegisterExecutorRequest At(int port) => new() { Endpoint = $"http://127.0.0.1:{port}", StepTypes = { "echo" } };
        await orchestrator.Registry.RegisterExecutorAsync(At(5101)).ResponseAsync.DefaultTimeout();
        await orchestrator.Registry.RegisterExecutorAsync(At(5102)).ResponseAsync.DefaultTimeout();

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.RegisterExecutorAsync(At(5103)).ResponseAsync.DefaultTimeout());
        await orchestrator.Registry.RegisterExecutorAsync(At(5102)).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(2, (await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync.DefaultTimeout()).Executors.Count);
    }

    [Fact]
    public async Task Heartbeat_UnknownExecutor_NotFound()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.HeartbeatAsync(new HeartbeatRequest { ExecutorId = "ghost" }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Health_Check_Serving()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();

        var health = await new Health.HealthClient(orchestrator.Channel).CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task Start_InvalidConfiguration_FailsWithMessagesSayingWhatToChange()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestOrchestrator.StartAsync(new Dictionary<string, string>
        {
            ["Storage:Provider"] = "oracle",
        }));

        Assert.Contains("Storage:Provider is 'oracle'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'memory'", error.Message, StringComparison.Ordinal);
    }
}
