using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>
/// What the writer keeps in memory about an execution it writes to: the last sequence and the indexed
/// facts, so that an append needs no read. The database checks the sequence again (the row's
/// <c>last_sequence</c>), so a stale entry costs a refused write, never a wrong one. Touched by the writer only.
/// </summary>
internal sealed class CachedExecution(long lastSequence, ExecutionIndexFacts facts)
{
    public long LastSequence { get; private set; } = lastSequence;

    /// <summary>The indexed facts (state, end time, succeeded steps), folded the way every store folds them.</summary>
    public ExecutionIndexFacts Facts { get; } = facts;

    /// <summary>Folds one appended event into the sequence and the facts.</summary>
    public void Apply(ExecutionEvent @event, DateTimeOffset fallbackTime)
    {
        LastSequence = @event.Sequence;
        Facts.Apply(@event, fallbackTime);
    }
}
