using System.Runtime.CompilerServices;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>Watching: stored events, then live ones, gap-free.</summary>
public sealed partial class WorkflowEngine
{
    /// <summary>
    /// Streams an execution's events from <paramref name="fromSequence"/>: the stored ones, then live
    /// ones, gap-free and in order, ending after the execution's terminal event (at once when it
    /// is already finished and replayed).
    /// </summary>
    /// <remarks>
    /// Each watcher has a bounded buffer (<see cref="EngineOptions.WatcherBufferSize"/> events, at
    /// most 1 MiB of them); one that
    /// falls behind is served from the store until it has caught up, so it never slows the engine.
    /// </remarks>
    /// <exception cref="ExecutionNotFoundException">The execution does not exist.</exception>
    /// <exception cref="StoreUnavailableException">The execution stopped in this orchestrator before finishing (its events could not be stored, or the engine stops).</exception>
    public async IAsyncEnumerable<ExecutionEvent> WatchAsync(string executionId, long fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executionId);
        var next = Math.Max(fromSequence, 1);
        if (IsReplica)
        {
            await foreach (var e in TailAsync(executionId, next, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }

            yield break;
        }

        var checkedExists = false;
        while (true)
        {
            Watcher? watcher = null;
            ExecutionRuntime? runtime = null;
            long durable = 0;
            lock (_gate)
            {
                if (_active.TryGetValue(executionId, out runtime) && !runtime.Closed)
                {
                    watcher = new Watcher(Math.Max(1, _options.WatcherBufferSize));
                    runtime.Watchers.Add(watcher);
                    durable = runtime.DurableSequence;
                }
            }

            if (watcher is null)
            {
                if (!checkedExists && await _store.GetAsync(executionId, cancellationToken).ConfigureAwait(false) is null)
                {
                    throw new ExecutionNotFoundException(executionId);
                }

                var finished = false;
                await foreach (var e in _store.ReadEventsAsync(executionId, next, cancellationToken).ConfigureAwait(false))
                {
                    finished |= e.KindCase == ExecutionEvent.KindOneofCase.Finished;
                    yield return e;
                }

                if (!finished && await _store.GetAsync(executionId, cancellationToken).ConfigureAwait(false) is { } record && !ExecutionIndexFacts.IsTerminalState(record.State))
                {
                    // Not running here, not finished in the store: its appends were given up (or the
                    // engine is stopping). Ending the stream OK would read as "finished".
                    throw new StoreUnavailableException(
                        StoreFailureReason.Unavailable,
                        $"Execution '{executionId}' is not running in this orchestrator and has not finished; it resumes at the next start. Watch again with from_sequence = the last sequence seen + 1.");
                }

                yield break;
            }

            checkedExists = true;
            try
            {
                if (next <= durable)
                {
                    await foreach (var e in _store.ReadEventsAsync(executionId, next, cancellationToken).ConfigureAwait(false))
                    {
                        if (e.Sequence > durable)
                        {
                            break;
                        }

                        yield return e;
                        next = e.Sequence + 1;
                    }
                }

                var reader = watcher.Channel.Reader;
                while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (watcher.TryRead(out var e))
                    {
                        if (e.Sequence < next)
                        {
                            continue;
                        }

                        yield return e;
                        next = e.Sequence + 1;
                        if (e.KindCase == ExecutionEvent.KindOneofCase.Finished)
                        {
                            yield break;
                        }
                    }
                }
            }
            finally
            {
                lock (_gate)
                {
                    runtime!.Watchers.Remove(watcher);
                }
            }
        }
    }
}
