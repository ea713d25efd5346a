using GrpcWorkflows.Engine;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.Storage.Configuration;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>
/// Starts the engine when the host starts (recovering every unfinished execution) and stops it
/// gracefully: no new executions, in-flight attempts get <see cref="OrchestratorOptions.ShutdownGracePeriod"/> to finish.
/// </summary>
internal sealed class EngineHostedService(WorkflowEngine engine, IOptions<OrchestratorOptions> options, IOptions<StorageOptions> storage, ILogger<EngineHostedService> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await engine.StartAsync(cancellationToken);
        Log.EngineStarted(logger, storage.Value.Provider);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var grace = options.Value.ShutdownGracePeriod;
        Log.EngineStopping(logger, grace);
        using var graceOver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        graceOver.CancelAfter(grace);
        try
        {
            await engine.StopAsync(graceOver.Token);
        }
        catch (OperationCanceledException) when (graceOver.IsCancellationRequested)
        {
            // The grace period is over: what is still in flight is recovered at the next start.
        }
    }
}
