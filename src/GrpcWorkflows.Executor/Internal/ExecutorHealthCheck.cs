using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>Healthy while the executor accepts calls; unhealthy (grpc.health.v1 NOT_SERVING) once it is stopping.</summary>
internal sealed class ExecutorHealthCheck(ShutdownSignal shutdown) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(shutdown.IsStopping
            ? HealthCheckResult.Unhealthy("The executor is shutting down.")
            : HealthCheckResult.Healthy());
}
