using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Tests.Infrastructure;

/// <summary>
/// Wraps a store and fails a seeded, configurable share of its writes and reads with
/// <see cref="StoreUnavailableException"/> before they reach it, as a full or failing disk does
/// (nothing of a failed write is kept). Counts what it injected, and records the appends it let through.
/// </summary>
internal sealed class FaultyExecutionStore(IExecutionStore inner, int seed, double writeFailureShare, double readFailureShare) : IExecutionStore
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();
    private int _writeFaults;
    private int _readFaults;

    public int Seed => seed;

    /// <summary>While false, nothing fails.</summary>
    public bool Enabled { get; set; } = true;

    public int WriteFaults => Volatile.Read(ref _writeFaults);

    public int ReadFaults => Volatile.Read(ref _readFaults);

    /// <summary>The appends passed on to the store: the execution and the kinds of the events, in order.</summary>
    public ConcurrentQueue<(string ExecutionId, ExecutionEvent.KindOneofCase[] Kinds)> Appends { get; } = new();

    public ValueTask<CreateExecutionResult> CreateAsync(ExecutionEvent firstEvent, CancellationToken cancellationToken = default)
    {
        MaybeFail(writeFailureShare, ref _writeFaults, "create");
        return inner.CreateAsync(firstEvent, cancellationToken);
    }

    /// <summary>An execution whose appends are refused as out of sequence (a log that moved on elsewhere).</summary>
    public string? ConflictingExecution { get; set; }

    public ValueTask AppendAsync(string executionId, IReadOnlyList<ExecutionEvent> events, CancellationToken cancellationToken = default)
    {
        if (executionId == ConflictingExecution)
        {
            throw new SequenceConflictException(executionId, events[0].Sequence + 1, events[0].Sequence);
        }

        MaybeFail(writeFailureShare, ref _writeFaults, "append");
        Appends.Enqueue((executionId, [.. events.Select(e => e.KindCase)]));
        return inner.AppendAsync(executionId, events, cancellationToken);
    }

    public async IAsyncEnumerable<ExecutionEvent> ReadEventsAsync(string executionId, long fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        MaybeFail(readFailureShare, ref _readFaults, "read of events");
        await foreach (var e in inner.ReadEventsAsync(executionId, fromSequence, cancellationToken))
        {
            yield return e;
        }
    }

    public ValueTask<ExecutionRecord?> GetAsync(string executionId, CancellationToken cancellationToken = default)
    {
        MaybeFail(readFailureShare, ref _readFaults, "get");
        return inner.GetAsync(executionId, cancellationToken);
    }

    public ValueTask<ExecutionPage> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
    {
        MaybeFail(readFailureShare, ref _readFaults, "list");
        return inner.ListAsync(query, cancellationToken);
    }

    public ValueTask<IReadOnlyList<string>> ListActiveAsync(CancellationToken cancellationToken = default)
    {
        MaybeFail(readFailureShare, ref _readFaults, "list of active executions");
        return inner.ListActiveAsync(cancellationToken);
    }

    public ValueTask<int> PurgeAsync(DateTimeOffset endedBefore, int? keepAtMost, CancellationToken cancellationToken = default)
        => inner.PurgeAsync(endedBefore, keepAtMost, cancellationToken);

    private void MaybeFail(double share, ref int counter, string what)
    {
        bool fail;
        lock (_gate)
        {
            fail = Enabled && _random.NextDouble() < share;
        }

        if (fail)
        {
            Interlocked.Increment(ref counter);
            throw new StoreUnavailableException(StoreFailureReason.Unavailable, $"Injected fault (seed {seed}): the {what} failed; nothing was written.");
        }
    }
}
