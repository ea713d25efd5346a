using System.Collections.Concurrent;
using System.Threading.Channels;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>
/// The orchestrator's side of one executor session (<c>ExecutorRegistryService.Connect</c>): the
/// credits the executor granted, the attempts sent and not answered yet, and the bounded queue of
/// messages waiting to be written to the stream.
/// </summary>
/// <remarks>
/// Thread-safe. Flow control: an attempt is sent only with a credit taken by <see cref="TryTakeCredit"/>;
/// the credits held never exceed <see cref="MaxCredits"/>, so attempts outstanding never exceed the
/// credits granted. The outbound queue is bounded (<see cref="OutboundCapacity"/>): a dispatch waits for
/// room rather than buffering, and a cancel or drain notice that finds it full is dropped (the executor's
/// late result is ignored anyway). When the session ends, every attempt without a result completes as
/// lost (<see cref="StepAttemptResult.Undelivered"/>), to be sent again elsewhere.
/// </remarks>
internal sealed class ExecutorSession
{
    private readonly Channel<ConnectResponse> _outbound;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<StepAttemptResult>> _pending = new();
    private readonly TimeProvider _timeProvider;
    private readonly Action _capacityChanged;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextDispatchId;
    private int _credits;
    private int _state;
    private long _lastHeard;
    private string? _closeReason;

    private const int Open = 0;
    private const int Draining = 1;
    private const int Closed = 2;

    /// <summary>Creates a session of executor <paramref name="executorId"/> holding at most <paramref name="maxCredits"/> credits.</summary>
    /// <param name="executorId">The session's executor id (its endpoint reads <c>session://&lt;id&gt;</c>).</param>
    /// <param name="maxCredits">The most credits held at once (the executor's capacity).</param>
    /// <param name="timeProvider">The clock of <see cref="SilentFor"/>.</param>
    /// <param name="capacityChanged">
    /// Called (on any thread) when credits were granted: waiting steps may go. Not for credits that come with a result
    /// (<see cref="Complete(ulong, StepAttemptResult, int)"/>): the attempt's caller finds those.
    /// </param>
    public ExecutorSession(string executorId, int maxCredits, TimeProvider timeProvider, Action capacityChanged)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCredits, 1);
        ExecutorId = executorId;
        Address = "session://" + executorId;
        MaxCredits = maxCredits;
        _timeProvider = timeProvider;
        _capacityChanged = capacityChanged;
        _lastHeard = timeProvider.GetTimestamp();
        _outbound = Channel.CreateBounded<ConnectResponse>(new BoundedChannelOptions(OutboundCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The session's executor id.</summary>
    public string ExecutorId { get; }

    /// <summary>The session's identity as an endpoint: <c>session://&lt;executor id&gt;</c>.</summary>
    public string Address { get; }

    /// <summary>The most credits the session holds at once.</summary>
    public int MaxCredits { get; }

    /// <summary>The bound of the outbound queue: every attempt one credit allows, plus room for cancels and notices.</summary>
    public int OutboundCapacity => (MaxCredits * 2) + 8;

    /// <summary>The credits not used yet.</summary>
    public int Credits => Volatile.Read(ref _credits);

    /// <summary>The attempts sent and not answered yet.</summary>
    public int Outstanding => _pending.Count;

    /// <summary>The messages queued and not written to the stream yet.</summary>
    public int Queued => _outbound.Reader.Count;

    /// <summary>Whether new attempts may be sent: neither draining nor closed.</summary>
    public bool IsOpen => Volatile.Read(ref _state) == Open;

    /// <summary>Why the session ended, once it has.</summary>
    public string? CloseReason => Volatile.Read(ref _closeReason);

    /// <summary>Completes once the session drains (either side sent a drain notice) and no attempt is outstanding, or it closed.</summary>
    public Task Drained => _drained.Task;

    /// <summary>The messages to write to the stream, in order.</summary>
    public ChannelReader<ConnectResponse> Outbound => _outbound.Reader;

    /// <summary>How long since the executor was last heard from.</summary>
    public TimeSpan SilentFor => _timeProvider.GetElapsedTime(Volatile.Read(ref _lastHeard));

    /// <summary>Records that a message arrived from the executor.</summary>
    public void Heard() => Volatile.Write(ref _lastHeard, _timeProvider.GetTimestamp());

    /// <summary>Adds credits granted by the executor, capped at <see cref="MaxCredits"/>.</summary>
    public void Grant(int credits)
    {
        if (AddCredits(credits))
        {
            _capacityChanged();
        }
    }

    private bool AddCredits(int credits)
    {
        if (credits <= 0)
        {
            return false;
        }

        while (true)
        {
            var current = Volatile.Read(ref _credits);
            var next = (int)Math.Min((long)current + credits, MaxCredits);
            if (Interlocked.CompareExchange(ref _credits, next, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Takes one credit for an attempt about to be sent; false when none is left or the session is not open.</summary>
    public bool TryTakeCredit()
    {
        while (IsOpen)
        {
            var current = Volatile.Read(ref _credits);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _credits, current - 1, current) == current)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Sends one attempt (its credit already taken) and waits for its result. A session that ends first
    /// answers <see cref="StepAttemptResult.Undelivered"/>: the attempt was lost with its session. Throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires, after
    /// queueing a cancel for the executor.
    /// </summary>
    public ValueTask<StepAttemptResult> RunAsync(ExecuteStepRequest request, CancellationToken cancellationToken)
        => RunAsync(request, callerToken: null, cancellationToken);

    /// <summary>As <see cref="RunAsync(ExecuteStepRequest, CancellationToken)"/>, the attempt carrying <paramref name="callerToken"/> (<c>SessionAttempt.caller_token</c>).</summary>
    public async ValueTask<StepAttemptResult> RunAsync(ExecuteStepRequest request, string? callerToken, CancellationToken cancellationToken)
    {
        var id = (ulong)Interlocked.Increment(ref _nextDispatchId);
        var pending = new TaskCompletionSource<StepAttemptResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = pending;
        if (Volatile.Read(ref _state) == Closed)
        {
            _pending.TryRemove(id, out _);
            return Lost(CloseReason ?? "the session ended");
        }

        try
        {
            var attempt = new SessionAttempt { DispatchId = id, Request = request, CallerToken = callerToken ?? string.Empty };
            if (System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } activity)
            {
                // What an ExecuteStep call carries as its traceparent header: the executor continues the attempt's trace.
                attempt.Traceparent = activity.Id ?? string.Empty;
                attempt.Tracestate = activity.TraceStateString ?? string.Empty;
            }

            await _outbound.Writer.WriteAsync(new ConnectResponse { Attempt = attempt }, cancellationToken).ConfigureAwait(false);
            return await pending.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            _pending.TryRemove(id, out _);
            return Lost(CloseReason ?? "the session ended");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (_pending.TryRemove(id, out _))
            {
                _outbound.Writer.TryWrite(new ConnectResponse { Cancel = new SessionCancel { DispatchId = id, Reason = "the attempt was cancelled (its execution was cancelled or its timeout passed)" } });
                CheckDrained();
            }

            throw;
        }
    }

    /// <summary>A result arrived for <paramref name="dispatchId"/>; false when no such attempt is outstanding (answered, cancelled or unknown).</summary>
    public bool Complete(ulong dispatchId, StepAttemptResult result) => Complete(dispatchId, result, credits: 0);

    /// <summary>
    /// A result arrived for <paramref name="dispatchId"/> with the <paramref name="credits"/> the executor granted
    /// along with it; false when no such attempt is outstanding (answered, cancelled or unknown).
    /// </summary>
    /// <remarks>
    /// The credits are added after the attempt stops being outstanding and before its caller is woken, and they do
    /// not raise the capacity callback: the caller, which learns of the result, then finds them (the engine looks
    /// for READY steps when an attempt ends). Under load that saves the engine a turn of its lock per result. Credits
    /// that come with a result nobody waits for any more are announced as <see cref="Grant"/>'s are.
    /// </remarks>
    public bool Complete(ulong dispatchId, StepAttemptResult result, int credits)
    {
        if (!_pending.TryRemove(dispatchId, out var pending))
        {
            Grant(credits);
            return false;
        }

        AddCredits(credits);
        pending.TrySetResult(result);
        CheckDrained();
        return true;
    }

    /// <summary>Sends nothing new from now on; <paramref name="notify"/>: tell the executor (the orchestrator is draining).</summary>
    public void Drain(bool notify, string reason)
    {
        if (Interlocked.CompareExchange(ref _state, Draining, Open) != Open)
        {
            return;
        }

        if (notify)
        {
            _outbound.Writer.TryWrite(new ConnectResponse { Drain = new SessionDrain { Reason = reason } });
        }

        _capacityChanged();
        CheckDrained();
    }

    /// <summary>Ends the session: nothing more is sent, and every attempt without a result completes as lost.</summary>
    public void Close(string reason)
    {
        Interlocked.CompareExchange(ref _closeReason, reason, null);
        Volatile.Write(ref _state, Closed);
        _outbound.Writer.TryComplete();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending))
            {
                pending.TrySetResult(Lost(CloseReason!));
            }
        }

        _drained.TrySetResult();
    }

    private StepAttemptResult Lost(string reason)
        => StepAttemptResult.Undelivered($"The session of executor {Address} ended before it answered: {reason}", Address);

    private void CheckDrained()
    {
        if (Volatile.Read(ref _state) != Open && _pending.IsEmpty)
        {
            _drained.TrySetResult();
        }
    }
}
