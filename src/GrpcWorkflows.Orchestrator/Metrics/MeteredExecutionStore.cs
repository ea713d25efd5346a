using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Metrics;

/// <summary>
/// Wraps the execution store to measure what passes through it, without touching the engine: how long
/// appends take and how many events each carries, and, read from the events themselves (their recorded
/// times), executions started and finished by state, and per step type the wait between READY and
/// dispatch and the duration of attempts. Step types are learned from each execution's submitted
/// definition; an execution recovered after a restart counts under the type <c>unknown</c>.
/// </summary>
internal sealed partial class MeteredExecutionStore : IExecutionStore, IAsyncDisposable, IDisposable
{
    private const string UnknownType = "unknown";

    private readonly IExecutionStore _inner;
    private readonly Histogram<double> _appendDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _executionsStarted;
    private readonly Counter<long> _executionsFinished;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _attemptDuration;
    private readonly ConcurrentDictionary<string, Tracked> _executions = new(StringComparer.Ordinal);
    private int _disposed;

    public MeteredExecutionStore(IExecutionStore inner, IMeterFactory meterFactory)
    {
        _inner = inner;
        var meter = meterFactory.Create(Instrumentation.MeterName);
        _appendDuration = meter.CreateHistogram<double>(Instrumentation.StoreAppendDurationMetric, "s", "Time to persist one batch of events (create or append), group commit included.");
        _batchSize = meter.CreateHistogram<int>(Instrumentation.StoreBatchSizeMetric, "{event}", "Events persisted per store call.");
        _executionsStarted = meter.CreateCounter<long>(Instrumentation.ExecutionsStartedMetric, "{execution}", "Executions accepted (an idempotent resubmission is not counted again).");
        _executionsFinished = meter.CreateCounter<long>(Instrumentation.ExecutionsFinishedMetric, "{execution}", "Executions that reached a terminal state, by state.");
        _queueWait = meter.CreateHistogram<double>(Instrumentation.StepQueueWaitMetric, "s", "Time a step waited between READY and the dispatch of its attempt, by step type.");
        _attemptDuration = meter.CreateHistogram<double>(Instrumentation.AttemptDurationMetric, "s", "Duration of step attempts from dispatch to result, by step type and outcome.");
    }

    /// <summary>The store measured (which may also keep stored workflow definitions).</summary>
    public IExecutionStore Inner => _inner;

    /// <inheritdoc />
    public async ValueTask<CreateExecutionResult> CreateAsync(ExecutionEvent firstEvent, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await _inner.CreateAsync(firstEvent, cancellationToken).ConfigureAwait(false);
        Persisted(started, 1, "create");
        if (!result.Existing)
        {
            _executionsStarted.Add(1);
            Observe(result.ExecutionId, firstEvent);
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask AppendAsync(string executionId, IReadOnlyList<ExecutionEvent> events, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await _inner.AppendAsync(executionId, events, cancellationToken).ConfigureAwait(false);
        Persisted(started, events.Count, "append");
        foreach (var e in events)
        {
            Observe(executionId, e);
        }
    }

    /// <inheritdoc />
    public bool AppendsAtOnce => _inner.AppendsAtOnce;

    /// <inheritdoc />
    public IAsyncEnumerable<ExecutionEvent> ReadEventsAsync(string executionId, long fromSequence, CancellationToken cancellationToken = default)
        => _inner.ReadEventsAsync(executionId, fromSequence, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ExecutionRecord?> GetAsync(string executionId, CancellationToken cancellationToken = default)
        => _inner.GetAsync(executionId, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ExecutionPage> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
        => _inner.ListAsync(query, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListActiveAsync(CancellationToken cancellationToken = default)
        => _inner.ListActiveAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> PurgeAsync(DateTimeOffset endedBefore, int? keepAtMost, CancellationToken cancellationToken = default)
        => _inner.PurgeAsync(endedBefore, keepAtMost, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Registered twice (as itself and as the store), so the container disposes it twice: once is enough.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        switch (_inner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            (_inner as IDisposable)?.Dispose();
        }
    }

    private void Persisted(long started, int events, string operation)
    {
        var operationTag = new KeyValuePair<string, object?>("grpcworkflows.store.operation", operation);
        _appendDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, operationTag);
        _batchSize.Record(events, operationTag);
    }

    private void Observe(string executionId, ExecutionEvent e)
    {
        switch (e.KindCase)
        {
            case ExecutionEvent.KindOneofCase.Submitted:
                var tracked = Track(executionId);
                foreach (var (stepId, definition) in e.Submitted.Definition?.Steps ?? [])
                {
                    tracked.Step(stepId).TypeTag = new(TelemetryTags.StepType, definition.Type);
                }

                break;
            case ExecutionEvent.KindOneofCase.StepReady when e.Time is { } ready:
                Track(executionId).Step(e.StepReady.StepId).Ready = ready.ToDateTimeOffset();
                break;
            case ExecutionEvent.KindOneofCase.AttemptStarted when e.Time is { } time:
                var started = e.AttemptStarted;
                var step = Track(executionId).Step(started.StepId);
                var dispatched = time.ToDateTimeOffset();
                if (step.Ready is { } readySince)
                {
                    step.Ready = null;
                    _queueWait.Record(Math.Max(0, (dispatched - readySince).TotalSeconds), step.TypeTag);
                }

                if (started.HasItem)
                {
                    (step.DispatchedItems ??= [])[started.Item] = dispatched;
                }
                else
                {
                    step.Dispatched = dispatched;
                }

                break;
            case ExecutionEvent.KindOneofCase.AttemptFailed when e.Time is { } failedAt:
                AttemptEnded(executionId, e.AttemptFailed.StepId, failedAt, FailedTag, e.AttemptFailed.HasItem ? e.AttemptFailed.Item : -1);
                break;
            case ExecutionEvent.KindOneofCase.ItemSucceeded when e.Time is { } itemAt:
                AttemptEnded(executionId, e.ItemSucceeded.StepId, itemAt, SucceededTag, e.ItemSucceeded.Item);
                break;
            case ExecutionEvent.KindOneofCase.StepSucceeded when e.Time is { } succeededAt:
                AttemptEnded(executionId, e.StepSucceeded.StepId, succeededAt, SucceededTag);
                break;
            case ExecutionEvent.KindOneofCase.Finished:
                _executionsFinished.Add(1, new KeyValuePair<string, object?>("grpcworkflows.execution.state", e.Finished.State.ToString()));
                _executions.TryRemove(executionId, out _);
                break;
        }
    }

    private static readonly KeyValuePair<string, object?> SucceededTag = new("grpcworkflows.attempt.outcome", "succeeded");
    private static readonly KeyValuePair<string, object?> FailedTag = new("grpcworkflows.attempt.outcome", "failed");

    /// <summary>An attempt ended: its duration since its dispatch (a <c>for_each</c> step's attempts are tracked per item).</summary>
    private void AttemptEnded(string executionId, string stepId, Google.Protobuf.WellKnownTypes.Timestamp at, KeyValuePair<string, object?> outcome, int item = -1)
    {
        var step = Track(executionId).Step(stepId);
        DateTimeOffset dispatched;
        if (item >= 0)
        {
            if (step.DispatchedItems is null || !step.DispatchedItems.Remove(item, out dispatched))
            {
                return;
            }
        }
        else if (step.Dispatched is { } since)
        {
            dispatched = since;
            step.Dispatched = null;
        }
        else
        {
            return;
        }

        _attemptDuration.Record(Math.Max(0, (at.ToDateTimeOffset() - dispatched).TotalSeconds), step.TypeTag, outcome);
    }

    private Tracked Track(string executionId) => _executions.GetOrAdd(executionId, static _ => new Tracked());

    /// <summary>What is known of one execution's steps: their types and the times that their next events are measured from.</summary>
    /// <remarks>
    /// One dictionary per execution, under its own lock: the engine appends one execution's batches one at a time, so
    /// the lock is not contended; one lookup per event instead of one per concurrent dictionary (types, READY, dispatch).
    /// </remarks>
    private sealed class Tracked
    {
        private static readonly KeyValuePair<string, object?> UnknownTypeTag = new(TelemetryTags.StepType, UnknownType);
        private readonly Dictionary<string, TrackedStep> _steps = new(StringComparer.Ordinal);

        public TrackedStep Step(string stepId)
        {
            lock (_steps)
            {
                if (!_steps.TryGetValue(stepId, out var step))
                {
                    step = new TrackedStep { TypeTag = UnknownTypeTag };
                    _steps.Add(stepId, step);
                }

                return step;
            }
        }
    }

    /// <summary>One step of an execution: its type (as the metrics' tag), since when it is READY, since when its attempt (or each item's) runs.</summary>
    private sealed class TrackedStep
    {
        public KeyValuePair<string, object?> TypeTag;

        public DateTimeOffset? Ready;

        public DateTimeOffset? Dispatched;

        public Dictionary<int, DateTimeOffset>? DispatchedItems;
    }
}
