using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>
/// Reports the orchestrator healthy once the engine has started (recovery done) and until shutdown
/// begins, so that <c>grpc.health.v1</c> answers SERVING only while new work is admitted.
/// </summary>
internal sealed class EngineHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("The orchestrator is shutting down.")
            : lifetime.ApplicationStarted.IsCancellationRequested
                ? HealthCheckResult.Healthy("The engine is running.")
                : HealthCheckResult.Unhealthy("The engine is still starting (recovering executions).");
        return Task.FromResult(result);
    }
}
