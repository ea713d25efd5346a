using System.Runtime.CompilerServices;
using Google.Protobuf;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// The loops every persistent <see cref="IExecutionStore"/> runs the same way: events read in chunks,
/// purges deleted in chunks, events serialized before they are queued for a writer.
/// </summary>
public static class StoreChunks
{
    /// <summary>
    /// Reads an execution's log from <paramref name="fromSequence"/> on, one chunk at a time, so that a slow
    /// consumer never holds a read open: each chunk is a short read of its own.
    /// </summary>
    /// <param name="readChunk">Reads at most <paramref name="chunkSize"/> events from a sequence on, in order.</param>
    /// <param name="fromSequence">The first sequence wanted (values below 1 read from the start).</param>
    /// <param name="chunkSize">The largest chunk <paramref name="readChunk"/> returns.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    public static IAsyncEnumerable<ExecutionEvent> ReadEventsAsync(
        Func<long, CancellationToken, Task<List<ExecutionEvent>>> readChunk,
        long fromSequence,
        int chunkSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readChunk);
        return ReadEventsAsync(
            async (next, token) =>
            {
                var chunk = await readChunk(next, token).ConfigureAwait(false);
                return (chunk, chunk.Count >= chunkSize);
            },
            fromSequence,
            cancellationToken);
    }

    /// <summary>
    /// Reads an execution's log from <paramref name="fromSequence"/> on, one chunk at a time, for a store whose
    /// chunks are not counted in events (rows that hold several events): each chunk says whether more may follow.
    /// </summary>
    /// <param name="readChunk">Reads the events from a sequence on, in order, and whether the log may go on after them.</param>
    /// <param name="fromSequence">The first sequence wanted (values below 1 read from the start).</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    public static async IAsyncEnumerable<ExecutionEvent> ReadEventsAsync(
        Func<long, CancellationToken, Task<(List<ExecutionEvent> Events, bool More)>> readChunk,
        long fromSequence,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readChunk);
        var next = Math.Max(fromSequence, 1);
        while (true)
        {
            var (chunk, more) = await readChunk(next, cancellationToken).ConfigureAwait(false);
            foreach (var @event in chunk)
            {
                yield return @event;
            }

            if (!more || chunk.Count == 0)
            {
                yield break;
            }

            next = chunk[^1].Sequence + 1;
        }
    }

    /// <summary>
    /// Runs <paramref name="deleteChunk"/> (one transaction deleting at most <paramref name="chunkSize"/> finished
    /// executions) until a chunk deletes fewer, so that writes keep flowing between chunks; returns the total.
    /// </summary>
    /// <param name="deleteChunk">Deletes one chunk; returns how many executions it deleted.</param>
    /// <param name="chunkSize">The most executions one chunk deletes.</param>
    /// <param name="keepAtMost">The purge's <c>keepAtMost</c>, checked here.</param>
    /// <param name="cancellationToken">Stops between chunks.</param>
    public static async ValueTask<int> PurgeAsync(Func<CancellationToken, Task<int>> deleteChunk, int chunkSize, int? keepAtMost, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deleteChunk);
        if (keepAtMost is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(keepAtMost), keepAtMost, "keepAtMost must be zero or more.");
        }

        var total = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var deleted = await deleteChunk(cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < chunkSize)
            {
                return total;
            }
        }
    }

    /// <summary>
    /// Checks appended events (<see cref="StoreArguments.CheckAppendedEvents"/>) and serializes them, on the
    /// caller's thread, so that a store's writer only binds bytes.
    /// </summary>
    /// <param name="executionId">The execution appended to.</param>
    /// <param name="events">The events.</param>
    /// <param name="cancellationToken">Checked before the work.</param>
    public static byte[][] CheckAndSerialize(string executionId, IReadOnlyList<ExecutionEvent> events, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        ArgumentNullException.ThrowIfNull(events);
        StoreArguments.CheckAppendedEvents(executionId, events);
        cancellationToken.ThrowIfCancellationRequested();

        var payloads = new byte[events.Count][];
        for (var index = 0; index < payloads.Length; index++)
        {
            payloads[index] = events[index].ToByteArray();
        }

        return payloads;
    }
}
