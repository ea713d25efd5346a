using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// Durable home of executions: an append-only, per-execution, gap-free event log plus the
/// indexes the API needs. The execution's state is a fold of its events; the store keeps
/// only what it needs to list and find executions (state, workflow id, times, idempotency key).
/// </summary>
/// <remarks>
/// Implementations are thread-safe. A task returned by <see cref="CreateAsync"/> or
/// <see cref="AppendAsync"/> completes only once its events are durable (for a persistent store).
/// Implementations derive the execution's indexed state from the events they append:
/// <see cref="ExecutionEvent.KindOneofCase.Submitted"/> → PENDING,
/// <see cref="ExecutionEvent.KindOneofCase.Started"/> and <see cref="ExecutionEvent.KindOneofCase.Retried"/> → RUNNING,
/// <see cref="ExecutionEvent.KindOneofCase.Finished"/> → its state and end time.
/// </remarks>
public interface IExecutionStore
{
    /// <summary>
    /// Creates an execution whose log starts with <paramref name="firstEvent"/> (sequence 1, a
    /// <see cref="ExecutionSubmitted"/> event). When <see cref="ExecutionSubmitted.IdempotencyKey"/>
    /// is set and an execution with that key exists in the same namespace
    /// (<see cref="ExecutionSubmitted.Namespace"/>, empty meaning <c>default</c>), nothing is written
    /// and that execution's id is returned with <see cref="CreateExecutionResult.Existing"/> set.
    /// </summary>
    ValueTask<CreateExecutionResult> CreateAsync(ExecutionEvent firstEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends events to one execution's log. Sequences must continue the log without a gap
    /// (the first one is the last stored sequence + 1); otherwise
    /// <see cref="SequenceConflictException"/> is thrown and nothing is written.
    /// </summary>
    ValueTask AppendAsync(string executionId, IReadOnlyList<ExecutionEvent> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether <see cref="AppendAsync"/> always completes before it returns, cheaply (a store that keeps its log in
    /// memory). The engine then appends in the same turn of its lock that decided the events, instead of handing
    /// each batch to an append loop that takes the lock again once the append completes. False by default.
    /// </summary>
    bool AppendsAtOnce => false;

    /// <summary>Reads an execution's events with sequence at least <paramref name="fromSequence"/>, in order.</summary>
    IAsyncEnumerable<ExecutionEvent> ReadEventsAsync(string executionId, long fromSequence, CancellationToken cancellationToken = default);

    /// <summary>Returns the indexed record of an execution, or null when it does not exist.</summary>
    ValueTask<ExecutionRecord?> GetAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>Lists executions of one namespace (<see cref="ExecutionQuery.Namespace"/>), newest first, in pages.</summary>
    ValueTask<ExecutionPage> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default);

    /// <summary>Returns the ids of every execution not in a terminal state, for recovery at start.</summary>
    ValueTask<IReadOnlyList<string>> ListActiveAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes finished executions (and their events) that ended before <paramref name="endedBefore"/>,
    /// and, when <paramref name="keepAtMost"/> is set, the oldest finished ones beyond that count.
    /// Returns the number deleted.
    /// </summary>
    ValueTask<int> PurgeAsync(DateTimeOffset endedBefore, int? keepAtMost, CancellationToken cancellationToken = default);
}
