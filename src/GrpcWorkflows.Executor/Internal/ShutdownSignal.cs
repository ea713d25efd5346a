using Microsoft.Extensions.Hosting;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>
/// Whether the executor is stopping: set when hosted services begin to stop (before deregistration, which runs
/// before <see cref="IHostApplicationLifetime.ApplicationStopping"/> fires) or when the application stops.
/// </summary>
internal sealed class ShutdownSignal(IHostApplicationLifetime lifetime)
{
    private volatile bool _stopping;

    public bool IsStopping => _stopping || lifetime.ApplicationStopping.IsCancellationRequested;

    public void Begin() => _stopping = true;
}
