using Microsoft.Extensions.Logging;
using Npgsql;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>
/// One <c>LISTEN</c> connection on one channel: every notification wakes the current waiters. Reconnects with
/// backoff when the server goes away, waking the waiters so that they re-read (notifications sent meanwhile are
/// lost). A listener made with an idle time stops (closing its connection, waking its waiters) once nobody has
/// asked for <see cref="Notified"/> for that long: the store opens a new one when someone asks again. A listener
/// made with a handler passes it every notification's payload before it wakes the waiters.
/// </summary>
internal sealed class PostgresChangeListener : IAsyncDisposable
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _channel;
    private readonly TimeSpan? _idleAfter;
    private readonly ILogger _logger;
    private readonly Action<string>? _onNotification;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _notified = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastAsked = Environment.TickCount64;
    private volatile bool _stopped;

    public PostgresChangeListener(NpgsqlDataSource dataSource, string channel, ILogger logger, TimeSpan? idleAfter = null, Action<string>? onNotification = null)
    {
        _dataSource = dataSource;
        _channel = channel;
        _idleAfter = idleAfter;
        _logger = logger;
        _onNotification = onNotification;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Completes at the next notification, at the next (re)connection — the first one included, so a waiter that
    /// asked before the <c>LISTEN</c> took effect re-reads once it has — or when the listener stops.
    /// </summary>
    public Task Notified
    {
        get
        {
            Volatile.Write(ref _lastAsked, Environment.TickCount64);
            var notified = Volatile.Read(ref _notified).Task;

            // Stopping sets the flag before it wakes the waiters: a task taken after that wake-up would never complete.
            return _stopped ? Task.CompletedTask : notified;
        }
    }

    /// <summary>Whether the listener stopped (idle, or disposed): its waiters were woken and it hears nothing more.</summary>
    public bool Stopped => _stopped;

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
        _stopped = true;
        Pulse();
    }

    private void Pulse() =>
        Interlocked.Exchange(ref _notified, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private bool Idle => _idleAfter is { } idleAfter
        && TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastAsked)) > idleAfter;

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
                    connection.Notification += (_, notification) =>
                    {
                        _onNotification?.Invoke(notification.Payload);
                        Pulse();
                    };
                    using (var listen = new NpgsqlCommand($"LISTEN {SchemaMigrations.Quote(_channel)}", connection))
                    {
                        await listen.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                    }

                    // Whatever was notified while not listening: re-read.
                    Pulse();
                    delay = FirstDelay;
                    while (true)
                    {
                        if (_idleAfter is { } idleAfter)
                        {
                            await connection.WaitAsync(idleAfter, _stop.Token).ConfigureAwait(false);
                            if (Idle)
                            {
                                _stopped = true;
                                Pulse();
                                return;
                            }
                        }
                        else
                        {
                            await connection.WaitAsync(_stop.Token).ConfigureAwait(false);
                        }
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
                Pulse();
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
