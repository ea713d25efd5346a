namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <see cref="GrpcWorkflowsClientServiceCollectionExtensions.AddGrpcWorkflowsClient"/>
/// to configure the HTTP clients under the generated gRPC clients (handlers, interceptors, TLS).
/// </summary>
public interface IGrpcWorkflowsClientBuilder
{
    /// <summary>The service collection the client was added to.</summary>
    IServiceCollection Services { get; }

    /// <summary>The builder of the <c>WorkflowService</c> client's <see cref="System.Net.Http.HttpClient"/>.</summary>
    IHttpClientBuilder WorkflowServiceClient { get; }

    /// <summary>The builder of the <c>ExecutorRegistryService</c> client's <see cref="System.Net.Http.HttpClient"/>.</summary>
    IHttpClientBuilder ExecutorRegistryClient { get; }
}
