using System.Diagnostics;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>Persistence and side effects: appends, then whatever waited for them (dispatch, watchers, callers).</summary>
public sealed partial class WorkflowEngine
{
    private const int MaxInlineDepth = 4;

    /// <summary>The wait before the first retry of a failed append; it doubles with each failure.</summary>
    private static readonly TimeSpan FirstAppendRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two tries of a failing append: the most a healed store waits to be used again.</summary>
    private static readonly TimeSpan MaxAppendRetryDelay = TimeSpan.FromSeconds(5);

    private Exception? _storeFailure;

    [ThreadStatic]
    private static int t_depth;

    /// <summary>Starts the append of every execution that has pending events and none in flight. Called outside the lock.</summary>
    private void DrainDirty()
    {
        AppendBatch[]? batches;
        lock (_gate)
        {
            batches = TakeDirty();
        }

        StartAppends(batches);
    }

    /// <summary>
    /// Takes the batch of every dirty execution that has no append in flight. Under the lock; the
    /// caller starts them with <see cref="StartAppends"/> once it has left the lock, so that one
    /// scheduling turn and the hand-over of its events take the lock once.
    /// </summary>
    private AppendBatch[]? TakeDirty()
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
    private void StartAppends(AppendBatch[]? batches)
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
        if (runtime.AppendInFlight || runtime.Closed || (runtime.PendingEvents.Count == 0 && runtime.PendingActions.Count == 0))
        {
            events = [];
            actions = [];
            return false;
        }

        events = runtime.PendingEvents.Count == 0 ? [] : [.. runtime.PendingEvents];
        actions = runtime.PendingActions.Count == 0 ? [] : [.. runtime.PendingActions];
        runtime.PendingEvents.Clear();
        runtime.PendingActions.Clear();
        runtime.AppendInFlight = true;
        _appendsInFlight++;
        return true;
    }

    /// <summary>
    /// Appends an execution's batches one after another. After each append: the batch's actions
    /// (dispatches, signals), then, under the lock once, its events go to watchers, the execution
    /// closes if the batch finished it, and the next batches (this execution's and any other made
    /// dirty meanwhile) are taken.
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

            var finishes = RunActions(runtime, actions);
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
                    Close(runtime);
                }

                runtime.AppendInFlight = false;
                _appendsInFlight--;
                more = TakeBatch(runtime, out events, out actions);
                if (!more)
                {
                    CheckDrained();
                }

                others = TakeDirty();
            }

            if (finishes)
            {
                Finish(runtime);
            }

            StartAppends(others);
            if (!more)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Appends one batch, retrying a failing store with backoff (<see cref="FirstAppendRetryDelay"/>
    /// doubling up to <see cref="MaxAppendRetryDelay"/>) for as long as it takes: the execution, its
    /// events and its deferred actions stay in memory meanwhile. Returns false only when the append can
    /// never succeed (the log moved on, the execution is gone) or the engine stops while retrying.
    /// </summary>
    private async ValueTask<bool> AppendAsync(ExecutionRuntime runtime, ExecutionEvent[] events)
    {
        var delay = FirstAppendRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _store.AppendAsync(runtime.Id, events, CancellationToken.None).ConfigureAwait(false);
                StoreWrote();
                return true;
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
                    await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Log.AppendAbandoned(_logger, runtime.Id, e);
                    return false;
                }

                delay = delay * 2 < MaxAppendRetryDelay ? delay * 2 : MaxAppendRetryDelay;
            }
        }
    }

    /// <summary>
    /// Drops an execution whose log cannot be appended (or whose retries the stopping engine ended):
    /// nothing more happens to it in this process, and it resumes from its stored log at the next start.
    /// Every counter its undone dispatches had taken is given back, so other executions keep going;
    /// its waiting callers and watchers get an error instead of an answer.
    /// </summary>
    private void Abandon(ExecutionRuntime runtime, PendingAction[] actions)
    {
        var failure = new StoreUnavailableException(
            StoreFailureReason.Unavailable,
            $"Execution '{runtime.Id}' stopped in this orchestrator because its events could not be stored; it resumes from its stored log at the next start.");
        lock (_gate)
        {
            runtime.AppendInFlight = false;
            _appendsInFlight--;
            Release(runtime, actions, failure);
            Release(runtime, [.. runtime.PendingActions], failure);
            runtime.PendingActions.Clear();
            runtime.PendingEvents.Clear();
            runtime.Ready.Clear(_ready);
            DisposeTimers(runtime);
            Close(runtime, failure);
            CheckDrained();
            Pump();
        }

        runtime.Dispatch.Cancel();
        runtime.Removed.TrySetResult();
        DrainDirty();
    }

    /// <summary>Gives back what deferred actions that will never run had taken. Under the lock.</summary>
    private void Release(ExecutionRuntime runtime, PendingAction[] actions, Exception failure)
    {
        foreach (var action in actions)
        {
            switch (action.Kind)
            {
                case PendingActionKind.Dispatch:
                    Interlocked.Decrement(ref action.InTransit!.Value);
                    runtime.Running--;
                    _running--;
                    break;
                case PendingActionKind.Signal:
                    action.Signal!.TrySetException(failure);
                    break;
            }
        }
    }

    /// <summary>Records a write the store refused for a storage reason: the store counts as failing until a write succeeds.</summary>
    private void StoreFailed(Exception exception)
    {
        if (Interlocked.Exchange(ref _storeFailure, exception) is null)
        {
            Log.StoreFailing(_logger, exception);
        }
    }

    /// <summary>Records a successful write: the store is writable.</summary>
    private void StoreWrote()
    {
        if (Volatile.Read(ref _storeFailure) is not null && Interlocked.Exchange(ref _storeFailure, null) is not null)
        {
            Log.StoreRecovered(_logger);
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

    /// <summary>Runs a durable batch's actions; returns whether one of them finishes the execution (done by the caller, after publishing).</summary>
    private bool RunActions(ExecutionRuntime runtime, PendingAction[] actions)
    {
        var finishes = false;
        foreach (var action in actions)
        {
            switch (action.Kind)
            {
                case PendingActionKind.Dispatch:
                    Interlocked.Decrement(ref action.InTransit!.Value);
                    StartDispatch(runtime, action.Step, action.Attempt, action.Request!);
                    break;
                case PendingActionKind.Signal:
                    action.Signal!.TrySetResult();
                    break;
                case PendingActionKind.CancelAttempts:
                    runtime.Cancellation.Cancel();
                    break;
                case PendingActionKind.Finish:
                    finishes = true;
                    break;
            }
        }

        return finishes;
    }

    /// <summary>Removes an execution and ends its watchers: after its terminal event, or with <paramref name="failure"/>. Under the lock.</summary>
    private void Close(ExecutionRuntime runtime, Exception? failure = null)
    {
        runtime.Closed = true;
        if (_active.Remove(runtime.Id))
        {
            Interlocked.Decrement(ref _activeCount);
        }

        foreach (var watcher in runtime.Watchers)
        {
            watcher.Channel.Writer.TryComplete(failure);
        }

        runtime.Watchers.Clear();
    }

    /// <summary>What follows <see cref="Close"/> outside the lock.</summary>
    private void Finish(ExecutionRuntime runtime)
    {
        if (runtime.Activity is { } activity)
        {
            activity.SetStatus(runtime.Fold.Execution.State == ExecutionState.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            activity.Stop();
        }

        Log.ExecutionFinished(_logger, runtime.Id, runtime.Fold.Execution.State);
        runtime.Dispatch.Dispose();
        runtime.Cancellation.Dispose();
        runtime.Removed.TrySetResult();
    }

    private void StartDispatch(ExecutionRuntime runtime, int step, int attempt, StepAttemptRequest request)
    {
        if (t_depth >= MaxInlineDepth)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Engine.RunAttemptDetached(s.Runtime, s.Step, s.Attempt, s.Request), (Engine: this, Runtime: runtime, Step: step, Attempt: attempt, Request: request), preferLocal: true);
            return;
        }

        t_depth++;
        try
        {
            _ = RunAttemptAsync(runtime, step, attempt, request);
        }
        finally
        {
            t_depth--;
        }
    }

    private void RunAttemptDetached(ExecutionRuntime runtime, int step, int attempt, StepAttemptRequest request)
        => _ = RunAttemptAsync(runtime, step, attempt, request);

    private async Task RunAttemptAsync(ExecutionRuntime runtime, int step, int attempt, StepAttemptRequest request)
    {
        var started = _time.GetTimestamp();
        StepAttemptResult? result = null;
        var outcome = AttemptOutcome.Completed;
        using (var activity = StartAttemptActivity(runtime, step, request))
        {
            if (activity is null)
            {
                // Not traced: drop the ambient activity this continuation inherited (the request that
                // submitted the execution), or every executor call starts gRPC and HTTP client
                // activities under it and sends its trace context.
                Activity.Current = null;
            }

            using var timeout = new CancellationTokenSource(request.Timeout, _time);
            CancellationTokenRegistration link = default;
            try
            {
                link = runtime.Dispatch.Token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeout);
                result = await _dispatcher.DispatchAsync(request, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                outcome = OutcomeOfCancellation(runtime);
            }
            catch (ObjectDisposedException)
            {
                outcome = OutcomeOfCancellation(runtime);
            }
            catch (Exception e)
            {
                Log.DispatcherThrew(_logger, runtime.Id, request.Request.StepId, e);
                result = StepAttemptResult.Failure("INTERNAL", $"the dispatcher failed: {e.Message}", retryable: true);
            }
            finally
            {
                await link.DisposeAsync().ConfigureAwait(false);
            }

            if (result is { Succeeded: false } && runtime.Cancellation.IsCancellationRequested)
            {
                outcome = AttemptOutcome.Cancelled;
            }

            activity?.SetStatus(result is { Succeeded: true } ? ActivityStatusCode.Ok : ActivityStatusCode.Error, result?.Error?.Code ?? outcome.ToString());
        }

        AppendBatch[]? batches;
        lock (_gate)
        {
            OnAttemptCompleted(runtime, step, attempt, result, outcome, _time.GetElapsedTime(started));
            batches = TakeDirty();
        }

        StartAppends(batches);
    }

    private AttemptOutcome OutcomeOfCancellation(ExecutionRuntime runtime)
        => runtime.Cancellation.IsCancellationRequested ? AttemptOutcome.Cancelled
            : _stopping.IsCancellationRequested ? AttemptOutcome.Stopped
            : AttemptOutcome.TimedOut;

    private static Activity? StartAttemptActivity(ExecutionRuntime runtime, int step, StepAttemptRequest request)
    {
        if (runtime.Activity is null)
        {
            return null;
        }

        var parent = runtime.StepActivities?[step]?.Context ?? runtime.Activity.Context;
        var activity = Source.StartActivity("attempt " + request.Request.StepId, ActivityKind.Internal, parent);
        activity?.SetTag(TelemetryTags.ExecutionId, runtime.Id);
        activity?.SetTag(TelemetryTags.StepId, request.Request.StepId);
        activity?.SetTag(TelemetryTags.StepType, request.Request.StepType);
        activity?.SetTag(TelemetryTags.Attempt, request.Request.Attempt);
        return activity;
    }
}
