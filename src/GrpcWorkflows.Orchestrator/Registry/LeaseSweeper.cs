using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>Background service that removes registered executors whose lease expired, every <see cref="ExecutorRegistryOptions.SweepInterval"/>.</summary>
internal sealed class LeaseSweeper(ExecutorRegistry registry, IOptions<ExecutorRegistryOptions> options, TimeProvider timeProvider) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                registry.RemoveExpired();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
