using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Executor.Sessions;

/// <summary>
/// One open session with the orchestrator, executor side: the attempts running (to cancel them), a
/// bounded queue of messages for the single writer, and the drain state.
/// </summary>
/// <remarks>Thread-safe. The queue holds at most one result per credit plus a few notices; writes wait for room.</remarks>
internal sealed class SessionConnection : IDisposable
{
    private readonly AsyncDuplexStreamingCall<ConnectRequest, ConnectResponse> _call;
    private readonly Channel<ConnectRequest> _outbound;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _draining;

    public SessionConnection(AsyncDuplexStreamingCall<ConnectRequest, ConnectResponse> call, int maxConcurrency)
    {
        _call = call;
        _outbound = Channel.CreateBounded<ConnectRequest>(new BoundedChannelOptions((maxConcurrency * 2) + 8) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>The attempts running, by dispatch id, with the source that cancels each.</summary>
    public ConcurrentDictionary<ulong, CancellationTokenSource> Running { get; } = new();

    /// <summary>Fires when the session is over: attempts still running are cancelled (their results could not be delivered).</summary>
    public CancellationToken Token => _lifetime.Token;

    /// <summary>Whether either side drains: no credit is granted any more.</summary>
    public bool Draining => _draining;

    /// <summary>The messages from the orchestrator.</summary>
    public IAsyncStreamReader<ConnectResponse> Responses => _call.ResponseStream;

    /// <summary>Completes when draining and no attempt runs.</summary>
    public Task Idle => _idle.Task;

    /// <summary>Queues a message for the orchestrator; false when the session is over.</summary>
    public async ValueTask<bool> SendAsync(ConnectRequest message)
    {
        try
        {
            await _outbound.Writer.WriteAsync(message, _lifetime.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the orchestrator reads several results in one message (<see cref="SessionRegistered.AcceptsResults"/>).
    /// Set once the registration is answered, before any result is queued.
    /// </summary>
    public bool AcceptsResults { get; set; }

    /// <summary>
    /// Writes the queued messages in order until the queue completes, then half-closes the call. The gRPC client flushes
    /// every message it writes, so results that queued up while the previous write was on the wire go out together in one
    /// <see cref="SessionResults"/> message when the orchestrator accepts it: one write instead of one per result.
    /// </summary>
    public async Task WriteLoopAsync()
    {
        var reader = _outbound.Reader;
        var stream = _call.RequestStream;
        while (await reader.WaitToReadAsync(_lifetime.Token).ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                if (AcceptsResults && message.Result is { } first && SessionPacking.TakeQueued(reader, first, static m => m.Result) is { } results)
                {
                    message = new ConnectRequest { Results = new SessionResults { Results = { results } } };
                }

                await stream.WriteAsync(message, _lifetime.Token).ConfigureAwait(false);
            }
        }

        await stream.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Starts draining: no new credits; <paramref name="notify"/> tells the orchestrator (the executor stops).</summary>
    public async ValueTask DrainAsync(bool notify, string reason)
    {
        if (_draining)
        {
            return;
        }

        _draining = true;
        if (notify)
        {
            await SendAsync(new ConnectRequest { Drain = new SessionDrain { Reason = reason } }).ConfigureAwait(false);
        }

        CheckIdle();
    }

    /// <summary>An attempt finished: once draining and none runs, <see cref="Idle"/> completes and the writer finishes after the last result.</summary>
    public void CheckIdle()
    {
        if (_draining && Running.IsEmpty && _idle.TrySetResult())
        {
            _outbound.Writer.TryComplete();
        }
    }

    /// <summary>Ends the session: attempts running are cancelled, nothing more is written.</summary>
    public void Abort()
    {
        _outbound.Writer.TryComplete();
        try
        {
            _lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed.
        }
    }

    public void Dispose()
    {
        Abort();
        _lifetime.Dispose();
        _call.Dispose();
    }
}
