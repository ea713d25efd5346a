namespace GrpcWorkflows.Engine;

/// <summary>
/// This replica's part of a limit that holds across replicas: the live replicas, ordered by id, split every
/// limit into parts that add up to it, and this replica is the one at <see cref="Index"/> of
/// <see cref="Count"/>. One orchestrator (or one replica alone) has the whole of every limit.
/// </summary>
/// <param name="Index">This replica's position among the live replicas ordered by id (0-based).</param>
/// <param name="Count">How many replicas are live, this one included (at least 1).</param>
public sealed record ReplicaShare(int Index, int Count)
{
    /// <summary>The whole of every limit: one orchestrator.</summary>
    public static ReplicaShare Whole { get; } = new(0, 1);

    /// <summary>
    /// This replica's part of <paramref name="limit"/>: <c>limit / Count</c>, one more for the first
    /// <c>limit % Count</c> replicas, so that the parts add up to the limit; at least 1, so that every replica
    /// can make progress (with fewer units than replicas the parts add up to <see cref="Count"/>).
    /// </summary>
    public int Of(int limit)
    {
        if (Count <= 1 || limit == int.MaxValue)
        {
            return limit;
        }

        var part = (limit / Count) + (Index < limit % Count ? 1 : 0);
        return Math.Max(1, part);
    }

    /// <summary>The share of <paramref name="replicaId"/> among <paramref name="liveReplicaIds"/> (which need not include it).</summary>
    public static ReplicaShare Among(string replicaId, IEnumerable<string> liveReplicaIds)
    {
        ArgumentNullException.ThrowIfNull(liveReplicaIds);
        var ordered = liveReplicaIds.Append(replicaId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new ReplicaShare(ordered.IndexOf(replicaId), ordered.Count);
    }
}
