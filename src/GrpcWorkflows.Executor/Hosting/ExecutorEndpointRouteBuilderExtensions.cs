using GrpcWorkflows.Executor.Internal;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the executor's gRPC services: <c>app.MapGrpcWorkflowsExecutor()</c>.</summary>
public static class ExecutorEndpointRouteBuilderExtensions
{
    /// <summary>Maps <c>StepExecutorService</c>, <c>grpc.health.v1.Health</c> and server reflection.</summary>
    /// <param name="endpoints">The application.</param>
    /// <returns>The application.</returns>
    public static IEndpointRouteBuilder MapGrpcWorkflowsExecutor(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGrpcService<StepExecutorServiceImpl>();
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapGrpcReflectionService();
        return endpoints;
    }
}
