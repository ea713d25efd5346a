using Microsoft.Extensions.Logging;
using Npgsql;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>
/// One <c>LISTEN</c> connection per store: every notification on the channel (a committed append or a new
/// command in any replica) wakes the current waiters. Reconnects with backoff when the server goes away,
/// waking the waiters so that they re-read (notifications sent meanwhile are lost).
/// </summary>
internal sealed class PostgresChangeListener : IAsyncDisposable
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _channel;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _commanded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PostgresChangeListener(NpgsqlDataSource dataSource, string channel, ILogger logger)
    {
        _dataSource = dataSource;
        _channel = channel;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Completes at the next notification of an append (or reconnection).</summary>
    public Task Appended => Volatile.Read(ref _appended).Task;

    /// <summary>Completes at the next notification of a command (or reconnection).</summary>
    public Task Commanded => Volatile.Read(ref _commanded).Task;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        Pulse(appended: true, commanded: true);
    }

    private void Pulse(bool appended, bool commanded)
    {
        if (appended)
        {
            Interlocked.Exchange(ref _appended, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        if (commanded)
        {
            Interlocked.Exchange(ref _commanded, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private async Task RunAsync()
    {
        var delay = FirstDelay;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(_stop.Token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, e) => Pulse(appended: e.Payload != "c", commanded: e.Payload == "c");
                    using (var listen = new NpgsqlCommand($"LISTEN {SchemaMigrations.Quote(_channel)}", connection))
                    {
                        await listen.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                    }

                    // Whatever was notified while not listening: re-read.
                    Pulse(appended: true, commanded: true);
                    delay = FirstDelay;
                    while (true)
                    {
                        await connection.WaitAsync(_stop.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                Log.ListenerReconnecting(_logger, exception, delay);
                Pulse(appended: true, commanded: true);
                try
                {
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }
}
