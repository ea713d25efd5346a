using GrpcWorkflows.Client.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcWorkflows.Client.Tests;

/// <summary>The credential in <see cref="WorkflowClientOptions"/> reaches the server on every call, however the client is made.</summary>
public sealed class CredentialsTests
{
    [Fact]
    public async Task Create_ApiKeyInOptions_SentInTheApiKeyHeader()
    {
        var registry = new FixedExecutorRegistry([]);
        await using var server = await LoopbackServer.StartAsync(new ScriptedWorkflowService(eventCount: 2), registry);
        using var client = WorkflowClient.Create(server.Address, new WorkflowClientOptions { ApiKey = "gwf_test-key" });

        await client.ListExecutorsAsync().DefaultTimeout();

        var headers = Assert.Single(registry.Headers);
        Assert.Equal("gwf_test-key", headers.GetValue("x-api-key"));
        Assert.Null(headers.Get("authorization"));
    }

    [Fact]
    public async Task AddGrpcWorkflowsClient_BearerTokenInOptions_SentAsAuthorizationBearer()
    {
        var registry = new FixedExecutorRegistry([]);
        await using var server = await LoopbackServer.StartAsync(new ScriptedWorkflowService(eventCount: 2), registry);
        var services = new ServiceCollection();
        services.AddGrpcWorkflowsClient(options =>
        {
            options.Address = server.Address;
            options.BearerToken = "eyJ.test.token";
        });
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IWorkflowClient>().ListExecutorsAsync().DefaultTimeout();

        var headers = Assert.Single(registry.Headers);
        Assert.Equal("Bearer eyJ.test.token", headers.GetValue("authorization"));
        Assert.Null(headers.Get("x-api-key"));
    }

    [Fact]
    public async Task Create_NoCredential_SendsNone()
    {
        var registry = new FixedExecutorRegistry([]);
        await using var server = await LoopbackServer.StartAsync(new ScriptedWorkflowService(eventCount: 2), registry);
        using var client = WorkflowClient.Create(server.Address);

        await client.ListExecutorsAsync().DefaultTimeout();

        var headers = Assert.Single(registry.Headers);
        Assert.Null(headers.Get("x-api-key"));
        Assert.Null(headers.Get("authorization"));
    }
}
