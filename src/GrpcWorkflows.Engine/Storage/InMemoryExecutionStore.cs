using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using GrpcWorkflows.Engine.Storage.Internal;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// An <see cref="IExecutionStore"/> that keeps everything in process memory: fast, and lost
/// when the process ends. For tests, benchmarks and deployments that need no recovery.
/// </summary>
/// <remarks>
/// Thread-safe: each execution has its own lock, so appends to different executions never
/// contend. Events are stored as given and handed back as stored: callers must not modify an
/// <see cref="ExecutionEvent"/> after appending it, nor one they read.
/// </remarks>
public sealed partial class InMemoryExecutionStore : IExecutionStore
{
    /// <summary>Orders page positions oldest first (create time, then id), the reverse of a page.</summary>
    private static readonly Comparer<(long Ticks, string Id)> PageOrder = Comparer<(long Ticks, string Id)>.Create(static (left, right) =>
    {
        var byTime = left.Ticks.CompareTo(right.Ticks);
        return byTime != 0 ? byTime : string.CompareOrdinal(left.Id, right.Id);
    });

    private readonly ConcurrentDictionary<string, InMemoryExecution> _executions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, InMemoryExecution> _unfinished = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Namespace, string Key), string> _idsByIdempotencyKey = new();
    private readonly Lock _createGate = new();
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates an empty store.</summary>
    /// <param name="timeProvider">The clock for events that carry no time (the host's; a fake one in tests).</param>
    public InMemoryExecutionStore(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>The number of executions held.</summary>
    public int Count => _executions.Count;

    /// <inheritdoc />
    public ValueTask<CreateExecutionResult> CreateAsync(ExecutionEvent firstEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(firstEvent);
        StoreArguments.CheckFirstEvent(firstEvent);
        cancellationToken.ThrowIfCancellationRequested();

        var execution = new InMemoryExecution(firstEvent, firstEvent.Time?.ToDateTimeOffset() ?? _timeProvider.GetUtcNow());
        if (execution.IdempotencyKey is null)
        {
            AddNew(execution);
            return ValueTask.FromResult(new CreateExecutionResult(execution.ExecutionId, Existing: false));
        }

        lock (_createGate)
        {
            if (_idsByIdempotencyKey.TryGetValue((execution.Namespace, execution.IdempotencyKey), out var existingId))
            {
                return ValueTask.FromResult(new CreateExecutionResult(existingId, Existing: true));
            }

            AddNew(execution);
            _idsByIdempotencyKey[(execution.Namespace, execution.IdempotencyKey)] = execution.ExecutionId;
        }

        return ValueTask.FromResult(new CreateExecutionResult(execution.ExecutionId, Existing: false));
    }

    /// <inheritdoc />
    public bool AppendsAtOnce => true;

    /// <inheritdoc />
    public ValueTask AppendAsync(string executionId, IReadOnlyList<ExecutionEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        ArgumentNullException.ThrowIfNull(events);
        StoreArguments.CheckAppendedEvents(executionId, events);
        cancellationToken.ThrowIfCancellationRequested();

        if (!_executions.TryGetValue(executionId, out var execution))
        {
            throw new ExecutionNotFoundException(executionId);
        }

        lock (execution.Gate)
        {
            var expected = execution.LastSequence + 1;
            if (events[0].Sequence != expected)
            {
                throw new SequenceConflictException(executionId, expected, events[0].Sequence);
            }

            execution.Append(events, _timeProvider);
            if (execution.IsTerminal)
            {
                _unfinished.TryRemove(executionId, out _);
            }
            else
            {
                _unfinished.TryAdd(executionId, execution);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ExecutionEvent> ReadEventsAsync(
        string executionId,
        long fromSequence,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        if (!_executions.TryGetValue(executionId, out var execution))
        {
            yield break;
        }

        ExecutionEvent[] events;
        lock (execution.Gate)
        {
            events = execution.CopyEvents(fromSequence);
        }

        foreach (var @event in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return @event;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<ExecutionRecord?> GetAsync(string executionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        if (!_executions.TryGetValue(executionId, out var execution))
        {
            return ValueTask.FromResult<ExecutionRecord?>(null);
        }

        lock (execution.Gate)
        {
            return ValueTask.FromResult<ExecutionRecord?>(execution.ToRecord());
        }
    }

    /// <inheritdoc />
    public ValueTask<ExecutionPage> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var after = query.ReadPageToken();
        var states = query.States.Count == 0 ? null : query.States.ToHashSet();
        var workflowId = string.IsNullOrEmpty(query.WorkflowId) ? null : query.WorkflowId;

        // Asking only for unfinished states (the common "what is running" query) reads only those.
        var candidates = states is not null && !states.Any(ExecutionIndexFacts.IsTerminalState) ? _unfinished.Values : _executions.Values;

        // The newest PageSize matches, in a heap whose top is the oldest of them: records are made
        // only for the page, however many executions match.
        var newest = new PriorityQueue<InMemoryExecution, (long Ticks, string Id)>(query.PageSize + 1, PageOrder);
        var matched = 0;
        foreach (var execution in candidates)
        {
            var position = (execution.CreateTime.UtcTicks, execution.ExecutionId);
            if (!string.Equals(execution.Namespace, query.Namespace, StringComparison.Ordinal)
                || (workflowId is not null && !string.Equals(execution.WorkflowId, workflowId, StringComparison.Ordinal))
                || (after is { } token && !token.Precedes(position.UtcTicks, position.ExecutionId))
                || !query.CreatedWithin(execution.CreateTime)
                || !query.HasIdPrefix(execution.ExecutionId)
                || !ExecutionLabels.Match(execution.Labels, query.Labels))
            {
                continue;
            }

            bool matches;
            lock (execution.Gate)
            {
                matches = states is null || states.Contains(execution.State);
            }

            if (!matches)
            {
                continue;
            }

            matched++;
            if (newest.Count < query.PageSize)
            {
                newest.Enqueue(execution, position);
            }
            else if (newest.TryPeek(out _, out var oldest) && PageOrder.Compare(position, oldest) > 0)
            {
                newest.EnqueueDequeue(execution, position);
            }
        }

        var page = new ExecutionRecord[newest.Count];
        for (var i = page.Length - 1; i >= 0; i--)
        {
            var execution = newest.Dequeue();
            lock (execution.Gate)
            {
                page[i] = execution.ToRecord();
            }
        }

        if (matched <= query.PageSize)
        {
            return ValueTask.FromResult(new ExecutionPage(page, NextPageToken: null));
        }

        var last = page[^1];
        return ValueTask.FromResult(new ExecutionPage(page, query.NextPageToken(last)));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListActiveAsync(CancellationToken cancellationToken = default)
    {
        var active = new List<string>();
        foreach (var execution in _unfinished.Values)
        {
            lock (execution.Gate)
            {
                if (!execution.IsTerminal)
                {
                    active.Add(execution.ExecutionId);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<string>>(active);
    }

    /// <inheritdoc />
    public ValueTask<int> PurgeAsync(DateTimeOffset endedBefore, int? keepAtMost, CancellationToken cancellationToken = default)
    {
        if (keepAtMost is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(keepAtMost), keepAtMost, "keepAtMost must be zero or more.");
        }

        var finished = new List<(InMemoryExecution Execution, DateTimeOffset EndTime)>();
        foreach (var execution in _executions.Values)
        {
            lock (execution.Gate)
            {
                if (execution.IsTerminal && execution.EndTime is { } endTime)
                {
                    finished.Add((execution, endTime));
                }
            }
        }

        // Newest first, so that the ones beyond keepAtMost are the oldest.
        finished.Sort(static (left, right) => right.EndTime.CompareTo(left.EndTime));
        var purged = 0;
        for (var index = 0; index < finished.Count; index++)
        {
            var (execution, endTime) = finished[index];
            if ((endTime < endedBefore || index >= keepAtMost) && TryRemove(execution))
            {
                purged++;
            }
        }

        return ValueTask.FromResult(purged);
    }

    private void AddNew(InMemoryExecution execution)
    {
        if (!_executions.TryAdd(execution.ExecutionId, execution))
        {
            throw new SequenceConflictException(execution.ExecutionId, expectedSequence: 0, actualSequence: 1);
        }

        _unfinished.TryAdd(execution.ExecutionId, execution);
    }

    private bool TryRemove(InMemoryExecution execution)
    {
        lock (execution.Gate)
        {
            // An execution retried since the scan is no longer finished: keep it.
            if (!execution.IsTerminal)
            {
                return false;
            }

            if (!_executions.TryRemove(new KeyValuePair<string, InMemoryExecution>(execution.ExecutionId, execution)))
            {
                return false;
            }
        }

        if (execution.IdempotencyKey is not null)
        {
            lock (_createGate)
            {
                _idsByIdempotencyKey.TryRemove(new KeyValuePair<(string, string), string>((execution.Namespace, execution.IdempotencyKey), execution.ExecutionId));
            }
        }

        return true;
    }
}
