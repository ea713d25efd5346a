using GrpcWorkflows.Client;
using GrpcWorkflows.Client.Internal;
using GrpcWorkflows.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="IWorkflowClient"/> with dependency injection.</summary>
public static class GrpcWorkflowsClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IWorkflowClient"/> (and <see cref="WorkflowClient"/>) backed by gRPC clients
    /// from <c>Grpc.Net.ClientFactory</c>, so channels are pooled and handlers configurable.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddGrpcWorkflowsClient(options => options.Address = new Uri("http://127.0.0.1:5100"));
    /// // later
    /// await foreach (var e in client.RunAsync(new SubmitWorkflowRequest { Definition = definition }, ct)) { ... }
    /// </code>
    /// </example>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the orchestrator address, the credential (API key or bearer token) and the resume behaviour.</param>
    /// <returns>A builder to configure the underlying HTTP clients further.</returns>
    public static IGrpcWorkflowsClientBuilder AddGrpcWorkflowsClient(this IServiceCollection services, Action<WorkflowClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<WorkflowClientOptions>().Configure(configure);
        var workflows = services.AddGrpcClient<WorkflowService.WorkflowServiceClient>((provider, factory) =>
            factory.Address = provider.GetRequiredService<IOptions<WorkflowClientOptions>>().Value.Address)
            .AddInterceptor(Credentials);
        var registry = services.AddGrpcClient<ExecutorRegistryService.ExecutorRegistryServiceClient>((provider, factory) =>
            factory.Address = provider.GetRequiredService<IOptions<WorkflowClientOptions>>().Value.Address)
            .AddInterceptor(Credentials);
        services.TryAddTransient(provider => new WorkflowClient(
            provider.GetRequiredService<WorkflowService.WorkflowServiceClient>(),
            provider.GetRequiredService<ExecutorRegistryService.ExecutorRegistryServiceClient>(),
            provider.GetRequiredService<IOptions<WorkflowClientOptions>>().Value,
            provider.GetService<TimeProvider>(),
            provider.GetService<ILoggerFactory>()));
        services.TryAddTransient<IWorkflowClient>(provider => provider.GetRequiredService<WorkflowClient>());
        return new Builder(services, workflows, registry);
    }

    private static CredentialsInterceptor Credentials(IServiceProvider provider)
        => new(provider.GetRequiredService<IOptions<WorkflowClientOptions>>().Value);

    private sealed record Builder(IServiceCollection Services, IHttpClientBuilder WorkflowServiceClient, IHttpClientBuilder ExecutorRegistryClient) : IGrpcWorkflowsClientBuilder;
}
