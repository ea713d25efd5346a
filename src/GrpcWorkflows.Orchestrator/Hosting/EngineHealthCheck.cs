using GrpcWorkflows.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>
/// Reports the orchestrator healthy once the engine has started (recovery done), until shutdown
/// begins, and while its execution store can write, so that <c>grpc.health.v1</c> answers SERVING
/// only while new work is admitted and persisted.
/// </summary>
internal sealed class EngineHealthCheck(IHostApplicationLifetime lifetime, WorkflowEngine engine) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("The orchestrator is shutting down.")
            : !lifetime.ApplicationStarted.IsCancellationRequested
                ? HealthCheckResult.Unhealthy("The engine is still starting (recovering executions).")
                : engine.StoreFailure is { } failure
                    ? HealthCheckResult.Unhealthy("The execution store cannot write: " + failure.Message)
                    : HealthCheckResult.Healthy("The engine is running.");
        return Task.FromResult(result);
    }
}
