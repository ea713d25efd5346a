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
        var time = e.Time?.ToDateTimeOffset();
        switch (e.KindCase)
        {
            case ExecutionEvent.KindOneofCase.Submitted:
                var tracked = _executions.GetOrAdd(executionId, _ => new Tracked());
                foreach (var (stepId, definition) in e.Submitted.Definition?.Steps ?? [])
                {
                    tracked.Types[stepId] = definition.Type;
                }

                break;
            case ExecutionEvent.KindOneofCase.StepReady when time is { } ready:
                Track(executionId).Ready[e.StepReady.StepId] = ready;
                break;
            case ExecutionEvent.KindOneofCase.AttemptStarted when time is { } dispatched:
                var execution = Track(executionId);
                var step = e.AttemptStarted.StepId;
                if (execution.Ready.TryRemove(step, out var readySince))
                {
                    _queueWait.Record(Math.Max(0, (dispatched - readySince).TotalSeconds), TypeTag(execution, step));
                }

                execution.Dispatched[e.AttemptStarted.HasItem ? ItemKey(step, e.AttemptStarted.Item) : step] = dispatched;
                break;
            case ExecutionEvent.KindOneofCase.AttemptFailed when time is { } failedAt:
                AttemptEnded(executionId, e.AttemptFailed.StepId, failedAt, "failed", e.AttemptFailed.HasItem ? e.AttemptFailed.Item : -1);
                break;
            case ExecutionEvent.KindOneofCase.ItemSucceeded when time is { } itemAt:
                AttemptEnded(executionId, e.ItemSucceeded.StepId, itemAt, "succeeded", e.ItemSucceeded.Item);
                break;
            case ExecutionEvent.KindOneofCase.StepSucceeded when time is { } succeededAt:
                AttemptEnded(executionId, e.StepSucceeded.StepId, succeededAt, "succeeded");
                break;
            case ExecutionEvent.KindOneofCase.Finished:
                _executionsFinished.Add(1, new KeyValuePair<string, object?>("grpcworkflows.execution.state", e.Finished.State.ToString()));
                _executions.TryRemove(executionId, out _);
                break;
        }
    }

    /// <summary>The attempts of a <c>for_each</c> step's items are tracked per item.</summary>
    private static string ItemKey(string stepId, int item) => string.Concat(stepId, "[", item.ToString(System.Globalization.CultureInfo.InvariantCulture), "]");

    private void AttemptEnded(string executionId, string stepId, DateTimeOffset at, string outcome, int item = -1)
    {
        var execution = Track(executionId);
        if (execution.Dispatched.TryRemove(item >= 0 ? ItemKey(stepId, item) : stepId, out var dispatched))
        {
            _attemptDuration.Record(Math.Max(0, (at - dispatched).TotalSeconds), TypeTag(execution, stepId), new KeyValuePair<string, object?>("grpcworkflows.attempt.outcome", outcome));
        }
    }

    private Tracked Track(string executionId) => _executions.GetOrAdd(executionId, _ => new Tracked());

    private static KeyValuePair<string, object?> TypeTag(Tracked execution, string stepId)
        => new(TelemetryTags.StepType, execution.Types.TryGetValue(stepId, out var type) ? type : UnknownType);

    private sealed class Tracked
    {
        public ConcurrentDictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, DateTimeOffset> Ready { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, DateTimeOffset> Dispatched { get; } = new(StringComparer.Ordinal);
    }
}
