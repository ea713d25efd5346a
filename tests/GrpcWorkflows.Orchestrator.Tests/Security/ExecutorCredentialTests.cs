using Grpc.Core;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>
/// Executor credentials scoped to step types, over real gRPC: what one executor's key cannot do to
/// the registry or to another executor's registration.
/// </summary>
public sealed class ExecutorCredentialTests
{
    [Fact]
    public async Task RegisterExecutor_TypeOutsideTheCredential_PermissionDeniedNamingTheTypeAndNoStepReachesIt()
    {
        using var credentials = new TestCredentials();
        var wordcount = TestCredentials.Headers(credentials.AddKey("wordcount", Roles.Executor, [], ["py_wordcount"]));
        await using var orchestrator = await TestOrchestrator.StartAsync(credentials.Settings());
        var admin = TestCredentials.Headers(credentials.ApiKeys[Roles.Admin]);

        var denied = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.RegisterExecutorAsync(
            new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:1", StepTypes = { "py_wordcount", "ai" } }, wordcount).ResponseAsync.DefaultTimeout());
        var allowed = await orchestrator.Registry.RegisterExecutorAsync(
            new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:1", StepTypes = { "py_wordcount" } }, wordcount).ResponseAsync.DefaultTimeout();
        var submitAi = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.SubmitWorkflowAsync(
            new SubmitWorkflowRequest { Definition = Define("ai-step", ("a", Step("ai", "{}"))) }, admin).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("'ai'", denied.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("'py_wordcount'", denied.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("may register: py_wordcount", denied.Status.Detail, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(allowed.ExecutorId));
        Assert.False(orchestrator.ExecutorRegistry.IsServed("ai"));
        Assert.Equal(StatusCode.FailedPrecondition, submitAi.StatusCode);
    }

    [Fact]
    public async Task HeartbeatDeregisterAndReRegister_AnotherCredentialsExecutor_NotFoundOrDeniedAndTheExecutorStays()
    {
        using var credentials = new TestCredentials();
        var owner = TestCredentials.Headers(credentials.AddKey("wordcount", Roles.Executor, [], ["py_wordcount"]));
        var intruder = TestCredentials.Headers(credentials.AddKey("intruder", Roles.Executor, [], ["*"]));
        await using var orchestrator = await TestOrchestrator.StartAsync(credentials.Settings());
        var registration = await orchestrator.Registry.RegisterExecutorAsync(
            new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:2", StepTypes = { "py_wordcount" } }, owner).ResponseAsync.DefaultTimeout();

        var heartbeat = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.HeartbeatAsync(
            new HeartbeatRequest { ExecutorId = registration.ExecutorId }, intruder).ResponseAsync.DefaultTimeout());
        var deregister = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.DeregisterExecutorAsync(
            new DeregisterExecutorRequest { ExecutorId = registration.ExecutorId }, intruder).ResponseAsync.DefaultTimeout());
        var takeover = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.RegisterExecutorAsync(
            new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:2/", StepTypes = { "ai" } }, intruder).ResponseAsync.DefaultTimeout());
        var ownHeartbeat = await orchestrator.Registry.HeartbeatAsync(new HeartbeatRequest { ExecutorId = registration.ExecutorId }, owner).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.NotFound, heartbeat.StatusCode);
        Assert.Equal(StatusCode.NotFound, deregister.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, takeover.StatusCode);
        Assert.Contains("registered by another credential", takeover.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(ownHeartbeat.LeaseExpireTime);
        Assert.True(orchestrator.ExecutorRegistry.IsServed("py_wordcount"));
        Assert.False(orchestrator.ExecutorRegistry.IsServed("ai"));

        await orchestrator.Registry.DeregisterExecutorAsync(new DeregisterExecutorRequest { ExecutorId = registration.ExecutorId }, owner).ResponseAsync.DefaultTimeout();
        Assert.False(orchestrator.ExecutorRegistry.IsServed("py_wordcount"));
    }

    [Fact]
    public async Task RegisterExecutor_PastTheCredentialsLimit_ResourceExhaustedWhileOthersStillRegister()
    {
        using var credentials = new TestCredentials();
        var greedy = TestCredentials.Headers(credentials.AddKey("greedy", Roles.Executor, [], ["*"]));
        var other = TestCredentials.Headers(credentials.AddKey("other", Roles.Executor, [], ["*"]));
        var settings = credentials.Settings();
        settings["Executors:MaxRegistrationsPerCredential"] = "2";
        await using var orchestrator = await TestOrchestrator.StartAsync(settings);

        for (var port = 1; port <= 2; port++)
        {
            await orchestrator.Registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = $"http://127.0.0.1:{port}", StepTypes = { "t" } }, greedy).ResponseAsync.DefaultTimeout();
        }

        var third = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Registry.RegisterExecutorAsync(
            new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:3", StepTypes = { "t" } }, greedy).ResponseAsync.DefaultTimeout());
        var again = await orchestrator.Registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:2", StepTypes = { "t" } }, greedy).ResponseAsync.DefaultTimeout();
        var others = await orchestrator.Registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:3", StepTypes = { "t" } }, other).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, third.StatusCode);
        Assert.Contains("Executors:MaxRegistrationsPerCredential", third.Status.Detail, StringComparison.Ordinal);
        Assert.Single(again.ReplacedExecutorIds);
        Assert.False(string.IsNullOrEmpty(others.ExecutorId));
    }
}
