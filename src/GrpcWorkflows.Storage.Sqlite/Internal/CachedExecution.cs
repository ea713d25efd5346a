using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>
/// What the writer keeps in memory about an execution it writes to: enough to check the next
/// sequence and to update the indexed row without reading it. Touched by the writer only.
/// </summary>
internal sealed class CachedExecution(long key, long lastSequence, ExecutionIndexFacts facts)
{
    /// <summary>The row's <c>execution_key</c>.</summary>
    public long Key { get; } = key;

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
