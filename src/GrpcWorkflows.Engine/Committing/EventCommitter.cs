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
/// it, so that one scheduling turn and the hand-over of its events take the lock once.
/// </remarks>
internal sealed class EventCommitter
{
    private const int MaxAppendTries = 5;

    private readonly Lock _gate;
    private readonly IExecutionStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ICommitHost _host;
    private readonly Queue<ExecutionRuntime> _dirty = new();

    public EventCommitter(Lock gate, IExecutionStore store, TimeProvider time, ILogger logger, ICommitHost host)
    {
        _gate = gate;
        _store = store;
        _time = time;
        _logger = logger;
        _host = host;
    }

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
                batches[taken++] = new AppendBatch(runtime, events, actions);
            }
        }

        return taken == 0 ? null : batches;
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

            _ = AppendLoopAsync(batch.Runtime, batch.Events, batch.Actions);
        }
    }

    /// <summary>Takes the pending events and actions when no append is in flight. Under the lock.</summary>
    private bool TakeBatch(ExecutionRuntime runtime, out ExecutionEvent[] events, out PendingAction[] actions)
    {
        var pending = runtime.Machine.Events;
        if (runtime.AppendInFlight || runtime.Closed || (pending.Count == 0 && runtime.PendingActions.Count == 0))
        {
            events = [];
            actions = [];
            return false;
        }

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

    private async ValueTask<bool> AppendAsync(ExecutionRuntime runtime, ExecutionEvent[] events)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _store.AppendAsync(runtime.Id, events, CancellationToken.None).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (e is not SequenceConflictException && attempt < MaxAppendTries)
            {
                Log.AppendRetry(_logger, runtime.Id, attempt, e);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), _time).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.AppendAbandoned(_logger, runtime.Id, e);
                lock (_gate)
                {
                    runtime.AppendInFlight = false;
                    AppendsInFlight--;
                    _host.Abandon(runtime);
                    _host.CheckDrained();
                }

                runtime.Dispatch.Cancel();
                runtime.Removed.TrySetResult();
                return false;
            }
        }
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
