namespace GrpcWorkflows.Engine.Scheduling;

/// <summary>
/// Steps whose latest attempt never reached an executor, by step type: they leave the READY queues
/// and come back when the dispatcher says their type is reachable again. Guarded by the engine's lock.
/// </summary>
internal sealed class ExecutorWaitList
{
    private readonly Dictionary<string, List<(ExecutionRuntime Runtime, int Step)>> _byType = new(StringComparer.Ordinal);

    /// <summary>The number of parked entries (some may be stale: cancelled or finished since), read without the lock.</summary>
    public int Count;

    /// <summary>Parks a step.</summary>
    public void Add(string stepType, ExecutionRuntime runtime, int step)
    {
        if (!_byType.TryGetValue(stepType, out var entries))
        {
            _byType[stepType] = entries = [];
        }

        runtime.Parked[step] = true;
        entries.Add((runtime, step));
        Count++;
    }

    /// <summary>Takes every step of the types for which <paramref name="isReachable"/> holds, still parked, in the order they were parked.</summary>
    public List<(ExecutionRuntime Runtime, int Step)>? TakeReachable(Func<string, bool> isReachable)
    {
        List<(ExecutionRuntime Runtime, int Step)>? taken = null;
        List<string>? emptied = null;
        foreach (var (stepType, entries) in _byType)
        {
            if (!isReachable(stepType))
            {
                continue;
            }

            foreach (var (runtime, step) in entries)
            {
                if (runtime.Parked[step])
                {
                    runtime.Parked[step] = false;
                    (taken ??= []).Add((runtime, step));
                }
            }

            Count -= entries.Count;
            (emptied ??= []).Add(stepType);
        }

        foreach (var stepType in emptied ?? [])
        {
            _byType.Remove(stepType);
        }

        return taken;
    }
}
