using GrpcWorkflows.Engine.Schedules;
using GrpcWorkflows.Orchestrator.Internal;

namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>
/// Starts the scheduler once the engine has started (it is registered after <see cref="EngineHostedService"/>,
/// so it also stops first): missed times since each schedule's recorded progress fire first, inside their
/// catch-up window.
/// </summary>
internal sealed class SchedulerHostedService(Scheduler scheduler, ILogger<SchedulerHostedService> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await scheduler.StartAsync(cancellationToken);
        Log.SchedulerStarted(logger);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => scheduler.StopAsync(cancellationToken);
}
