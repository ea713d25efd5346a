namespace GrpcWorkflows.Engine.Dispatching;

/// <summary>The READY steps queued over every execution: in all, and per step type. Changed under the engine's lock.</summary>
internal sealed class ReadyCounts
{
    /// <summary>All READY steps; read without the lock with <c>Volatile.Read</c>.</summary>
    public int Total;

    /// <summary>READY steps per step type (types once seen stay, at zero).</summary>
    public Dictionary<string, int> ByType { get; } = new(StringComparer.Ordinal);

    public void Add(string type, int delta)
    {
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(ByType, type, out _) += delta;
        Total += delta;
    }
}
