using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Configuration;
using GrpcWorkflows.Storage.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Storage.Retention;

/// <summary>
/// The background job that purges finished executions past <see cref="RetentionOptions.MaxAge"/>
/// or beyond <see cref="RetentionOptions.MaxCount"/>: once at start, then every
/// <see cref="RetentionOptions.Interval"/> (timed by the injected <see cref="TimeProvider"/>).
/// </summary>
public sealed class ExecutionRetentionService : BackgroundService
{
    private readonly IExecutionStore _store;
    private readonly RetentionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ExecutionRetentionService> _logger;

    /// <summary>Creates the service.</summary>
    public ExecutionRetentionService(IExecutionStore store, IOptions<StorageOptions> options, TimeProvider timeProvider, ILogger<ExecutionRetentionService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options.Value.Retention;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Runs one purge now; returns the number of executions deleted.</summary>
    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken = default)
    {
        if (_options.MaxAge is null && _options.MaxCount is null)
        {
            return 0;
        }

        var endedBefore = _options.MaxAge is { } maxAge ? _timeProvider.GetUtcNow() - maxAge : DateTimeOffset.MinValue;
        var purged = await _store.PurgeAsync(endedBefore, _options.MaxCount, cancellationToken).ConfigureAwait(false);
        if (purged > 0)
        {
            Log.Purged(_logger, purged, endedBefore, _options.MaxCount);
        }

        return purged;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Interval, _timeProvider);
        do
        {
            try
            {
                await PurgeOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                Log.PurgeFailed(_logger, exception, _options.Interval);
            }
        }
        while (await WaitForNextTickAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitForNextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
