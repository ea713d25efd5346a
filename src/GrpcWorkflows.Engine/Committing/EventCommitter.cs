using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Engine.Committing;

/// <summary>
/// Makes decisions durable, then acts on them, then publishes them: per execution, one append
/// in flight at a time carrying every event decided since the previous one; after it, the
/// batch's deferred actions (dispatches, cancels, callers waiting), then its events go to
/// watchers. Appends of different executions are in flight at the same time.
/// </summary>
/// <remarks>
/// <see cref="TakeDirty"/> runs under the engine's lock and <see cref="StartAppends"/> outside
/// it, so that one scheduling turn and the hand-over of its events take the lock once. With a store
/// whose appends complete at once (<see cref="IExecutionStore.AppendsAtOnce"/>), <see cref="TakeDirty"/>
/// appends and publishes the batch itself, and <see cref="StartAppends"/> only acts on it: one turn of
/// the lock per decision instead of two, and no append loop. A batch that finishes its execution, or
/// whose append throws, still goes through the append loop.
/// <para>
/// A batch of attempt starts alone (<see cref="EngineOptions.StartRecordDelay"/>) is not appended: its attempts
/// go out at once and the starts stay first in the execution's pending events, stored with its next batch or,
/// when nothing else comes in time, alone.
/// </para>
/// </remarks>
internal sealed class EventCommitter
{
    private readonly Lock _gate;
    private readonly IExecutionStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ICommitHost _host;
    private readonly CancellationToken _stopping;
    private readonly IExecutionLeaseStore? _leases;
    private readonly Queue<ExecutionRuntime> _dirty = new();
    private readonly bool _appendsAtOnce;

    // How long (ticks) attempt starts alone may wait to be stored; 0: never held. Held executions by due time: the
    // timer is armed while the queue has entries, for the first one's due time (never again once disposed).
    private readonly long _holdTicks;
    private readonly Queue<(ExecutionRuntime Runtime, long Due)> _held = new();
    private ITimer? _heldTimer;
    private bool _disposed;
    private Exception? _storeFailure;

    public EventCommitter(Lock gate, IExecutionStore store, TimeProvider time, ILogger logger, ICommitHost host, CancellationToken stopping, IExecutionLeaseStore? leases = null, TimeSpan startRecordDelay = default)
    {
        // A store whose appends complete at once gains nothing from holding starts back.
        _holdTicks = store.AppendsAtOnce ? 0 : startRecordDelay.Ticks;
        _leases = leases;
        _gate = gate;
        _store = store;
        _appendsAtOnce = store.AppendsAtOnce;
        _time = time;
        _logger = logger;
        _host = host;
        _stopping = stopping;
    }

    /// <summary>The storage error of the last failed write while the store cannot write; null once a write succeeds.</summary>
    public Exception? StoreFailure => Volatile.Read(ref _storeFailure);

    /// <summary>Appends in flight. Under the lock.</summary>
    public int AppendsInFlight { get; private set; }

    /// <summary>Marks an execution as having events or actions to commit. Under the lock.</summary>
    public void MarkDirty(ExecutionRuntime runtime)
    {
        if (!runtime.Dirty)
        {
            runtime.Dirty = true;
            _dirty.Enqueue(runtime);
        }
    }

    /// <summary>Takes and starts every batch ready to append. Outside the lock.</summary>
    public void Drain()
    {
        AppendBatch[]? batches;
        lock (_gate)
        {
            batches = TakeDirty();
        }

        StartAppends(batches);
    }

    /// <summary>Takes the batch of every dirty execution that has no append in flight. Under the lock.</summary>
    public AppendBatch[]? TakeDirty()
    {
        if (_dirty.Count == 0)
        {
            return null;
        }

        var batches = new AppendBatch[_dirty.Count];
        var taken = 0;
        while (_dirty.TryDequeue(out var runtime))
        {
            runtime.Dirty = false;
            if (TakeBatch(runtime, out var events, out var actions))
            {
                batches[taken++] = new AppendBatch(runtime, events, actions, _appendsAtOnce && TryAppendAtOnce(runtime, events, actions));
            }
        }

        return taken == 0 ? null : batches;
    }

    /// <summary>
    /// Appends a batch just taken and publishes its events, in this turn of the lock, when the store's appends complete
    /// at once; false leaves the batch to the append loop (it finishes the execution, runs under a lease, or the
    /// append threw: the loop tries again and handles the failure). Under the lock.
    /// </summary>
    private bool TryAppendAtOnce(ExecutionRuntime runtime, ExecutionEvent[] events, PendingAction[] actions)
    {
        if (events.Length == 0 || (runtime.Lease is not null && _leases is not null))
        {
            return false;
        }

        foreach (var action in actions)
        {
            if (action.Kind == PendingActionKind.Finish)
            {
                return false;
            }
        }

        try
        {
            var append = _store.AppendAsync(runtime.Id, events, CancellationToken.None);
            if (!append.IsCompletedSuccessfully)
            {
                // Not at once after all (a store's bug): wait, rather than leave an append behind to be made again.
                append.AsTask().GetAwaiter().GetResult();
            }
        }
        catch (Exception e)
        {
            Log.AppendAtOnceFailed(_logger, runtime.Id, e);
            return false;
        }

        StoreWrote();
        Publish(runtime, events);
        runtime.AppendInFlight = false;
        AppendsInFlight--;
        return true;
    }

    /// <summary>Starts the appends taken by <see cref="TakeDirty"/>. Outside the lock.</summary>
    public void StartAppends(AppendBatch[]? batches)
    {
        if (batches is null)
        {
            return;
        }

        foreach (var batch in batches)
        {
            if (batch.Runtime is null)
            {
                break;
            }

            if (batch.Appended)
            {
                // Durable and published in the turn that took it; never a finishing batch (see TryAppendAtOnce).
                _host.Act(batch.Runtime, batch.Actions);
                continue;
            }

            _ = AppendLoopAsync(batch.Runtime, batch.Events, batch.Actions);
        }
    }

    /// <summary>
    /// Takes the pending events and actions when no append is in flight; when they are attempt starts alone
    /// (see <see cref="HoldsStarts"/>), takes only their dispatches and leaves the starts pending. Under the lock.
    /// </summary>
    private bool TakeBatch(ExecutionRuntime runtime, out ExecutionEvent[] events, out PendingAction[] actions)
    {
        var pending = runtime.Machine.Events;
        if (runtime.AppendInFlight || runtime.Closed || (pending.Count == 0 && runtime.PendingActions.Count == 0))
        {
            events = [];
            actions = [];
            return false;
        }

        if (pending.Count > 0 && HoldsStarts(runtime, pending))
        {
            events = [];
            if (runtime.PendingActions.Count == 0)
            {
                actions = [];
                return false;
            }

            actions = [.. runtime.PendingActions];
            runtime.PendingActions.Clear();
            runtime.AppendInFlight = true;
            AppendsInFlight++;
            Hold(runtime);
            return true;
        }

        runtime.StartsHeldUntil = 0;
        runtime.StartsDue = false;
        events = pending.Count == 0 ? [] : [.. pending];
        actions = runtime.PendingActions.Count == 0 ? [] : [.. runtime.PendingActions];
        pending.Clear();
        runtime.Observed = 0;
        runtime.PendingActions.Clear();
        runtime.AppendInFlight = true;
        AppendsInFlight++;
        return true;
    }

    /// <summary>
    /// Whether the pending events are attempt starts alone, with no action but their dispatches, that may go out
    /// before they are stored: the starts are not due yet, the store is writing (a failing one sends nothing it could
    /// not record) and the host allows it (<see cref="ICommitHost.MayHoldStarts"/>).
    /// </summary>
    private bool HoldsStarts(ExecutionRuntime runtime, List<ExecutionEvent> pending)
    {
        if (_holdTicks == 0 || runtime.StartsDue || StoreFailure is not null)
        {
            return false;
        }

        foreach (var e in pending)
        {
            if (e.KindCase != ExecutionEvent.KindOneofCase.AttemptStarted)
            {
                return false;
            }
        }

        foreach (var action in runtime.PendingActions)
        {
            if (action.Kind != PendingActionKind.Dispatch)
            {
                return false;
            }
        }

        return _host.MayHoldStarts(runtime);
    }

    /// <summary>Notes when an execution's held starts are due, unless it holds older ones already. Under the lock.</summary>
    private void Hold(ExecutionRuntime runtime)
    {
        if (runtime.StartsHeldUntil != 0)
        {
            return;
        }

        var due = _time.GetUtcNow().UtcTicks + _holdTicks;
        runtime.StartsHeldUntil = due;
        _held.Enqueue((runtime, due));
        if (_held.Count == 1 && !_disposed)
        {
            _heldTimer ??= _time.CreateTimer(static state => ((EventCommitter)state!).OnStartsDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _heldTimer.Change(TimeSpan.FromTicks(_holdTicks), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Starts held until now are stored, alone if nothing else came for their executions. On a timer.</summary>
    private void OnStartsDue()
    {
        AppendBatch[]? batches;
        lock (_gate)
        {
            var now = _time.GetUtcNow().UtcTicks;
            while (_held.TryPeek(out var held) && held.Due <= now)
            {
                _held.Dequeue();
                if (held.Runtime.StartsHeldUntil == held.Due && !held.Runtime.Closed)
                {
                    held.Runtime.StartsDue = true;
                    MarkDirty(held.Runtime);
                }
            }

            if (_held.TryPeek(out var next))
            {
                _heldTimer?.Change(TimeSpan.FromTicks(next.Due - now), Timeout.InfiniteTimeSpan);
            }

            batches = TakeDirty();
        }

        StartAppends(batches);
    }

    /// <summary>Stops the timer of held starts. Under the lock.</summary>
    public void Dispose()
    {
        _disposed = true;
        _heldTimer?.Dispose();
        _heldTimer = null;
        _held.Clear();
    }

    /// <summary>
    /// Appends an execution's batches one after another. After each append: the batch's actions,
    /// then, under the lock once, its events go to watchers, the execution closes if the batch
    /// finished it, and the next batches (this execution's and any other made dirty meanwhile) are taken.
    /// </summary>
    private async Task AppendLoopAsync(ExecutionRuntime runtime, ExecutionEvent[] events, PendingAction[] actions)
    {
        while (true)
        {
            if (events.Length > 0 && !await AppendAsync(runtime, events).ConfigureAwait(false))
            {
                Abandon(runtime, actions);
                return;
            }

            var finishes = _host.Act(runtime, actions);
            bool more;
            AppendBatch[]? others;
            lock (_gate)
            {
                if (events.Length > 0)
                {
                    Publish(runtime, events);
                }

                if (finishes)
                {
                    _host.Close(runtime);
                }

                runtime.AppendInFlight = false;
                AppendsInFlight--;
                more = TakeBatch(runtime, out events, out actions);
                if (!more)
                {
                    _host.CheckDrained();
                }

                others = TakeDirty();
            }

            if (finishes)
            {
                _host.Finish(runtime);
            }

            StartAppends(others);
            if (!more)
            {
                return;
            }
        }
    }

    /// <summary>Records a write the store refused for a storage reason: the store counts as failing until a write succeeds.</summary>
    public void StoreFailed(Exception exception)
    {
        if (Interlocked.Exchange(ref _storeFailure, exception) is null)
        {
            Log.StoreFailing(_logger, exception);
        }
    }

    /// <summary>Records a successful write: the store is writable.</summary>
    public void StoreWrote()
    {
        if (Volatile.Read(ref _storeFailure) is not null && Interlocked.Exchange(ref _storeFailure, null) is not null)
        {
            Log.StoreRecovered(_logger);
        }
    }

    /// <summary>
    /// Appends one batch, retrying a failing store with backoff (<see cref="StoreBackoff"/>) for as
    /// long as it takes: the execution, its events and its deferred actions stay in memory meanwhile.
    /// Returns false only when the append can never succeed (the log moved on, the execution is
    /// gone) or the engine stops while retrying.
    /// </summary>
    private async ValueTask<bool> AppendAsync(ExecutionRuntime runtime, ExecutionEvent[] events)
    {
        var delay = StoreBackoff.First;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (runtime.Lease is { } lease && _leases is not null)
                {
                    await _leases.AppendAsync(lease, events, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await _store.AppendAsync(runtime.Id, events, CancellationToken.None).ConfigureAwait(false);
                }

                StoreWrote();
                return true;
            }
            catch (ExecutionLeaseLostException e)
            {
                // Another replica took the execution over: nothing was written; stop working on it here.
                Log.LeaseLost(_logger, runtime.Id, e.LeaseEpoch, e.CurrentEpoch);
                return false;
            }
            catch (Exception e) when (e is SequenceConflictException or ExecutionNotFoundException)
            {
                Log.AppendAbandoned(_logger, runtime.Id, e);
                return false;
            }
            catch (Exception e)
            {
                StoreFailed(e);
                Log.AppendRetry(_logger, runtime.Id, attempt, delay, e);
                try
                {
                    await Task.Delay(delay, _time, _stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Log.AppendAbandoned(_logger, runtime.Id, e);
                    return false;
                }

                delay = StoreBackoff.Next(delay);
            }
        }
    }

    /// <summary>
    /// Drops an execution whose log cannot be appended (or whose retries the stopping engine ended):
    /// nothing more happens to it in this process, and it resumes from its stored log at the next
    /// start. Its undone actions give back what they had taken, so other executions keep going; its
    /// waiting callers and watchers get an error instead of an answer.
    /// </summary>
    private void Abandon(ExecutionRuntime runtime, PendingAction[] actions)
    {
        var failure = new StoreUnavailableException(
            StoreFailureReason.Unavailable,
            $"Execution '{runtime.Id}' stopped in this orchestrator because its events could not be stored; it resumes from its stored log at the next start.");
        AppendBatch[]? others;
        lock (_gate)
        {
            runtime.AppendInFlight = false;
            AppendsInFlight--;
            _host.Abandon(runtime, [.. actions, .. runtime.PendingActions], failure);
            runtime.PendingActions.Clear();
            runtime.Machine.Events.Clear();
            runtime.Observed = 0;
            _host.CheckDrained();
            others = TakeDirty();
        }

        runtime.Dispatch.Cancel();
        runtime.Removed.TrySetResult();
        StartAppends(others);
    }

    /// <summary>Hands durable events to live watchers. Under the lock.</summary>
    private static void Publish(ExecutionRuntime runtime, ExecutionEvent[] events)
    {
        runtime.DurableSequence = events[^1].Sequence;
        var watchers = runtime.Watchers;
        for (var w = watchers.Count - 1; w >= 0; w--)
        {
            foreach (var e in events)
            {
                if (!watchers[w].Publish(e))
                {
                    watchers.RemoveAt(w);
                    break;
                }
            }
        }
    }
}
