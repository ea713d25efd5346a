using GrpcWorkflows.Engine.Scheduling;

namespace GrpcWorkflows.Engine.Dispatching;

/// <summary>
/// Steps whose latest attempt never reached an executor, by step type and namespace: they leave the READY
/// queues and come back when the dispatcher says an executor of their type that serves their namespace is
/// reachable again. Guarded by the engine's lock.
/// </summary>
internal sealed class ExecutorWaitList
{
    private readonly Dictionary<(string StepType, string Namespace), List<(ExecutionRuntime Runtime, int Step)>> _byType = [];

    /// <summary>The number of parked entries (some may be stale: cancelled or finished since), read without the lock.</summary>
    public int Count;

    /// <summary>Parks a step.</summary>
    public void Add(string stepType, string executionNamespace, ExecutionRuntime runtime, int step)
    {
        if (!_byType.TryGetValue((stepType, executionNamespace), out var entries))
        {
            _byType[(stepType, executionNamespace)] = entries = [];
        }

        runtime.Parked[step] = true;
        entries.Add((runtime, step));
        Count++;
    }

    /// <summary>Takes every step of the (type, namespace) pairs for which <paramref name="isReachable"/> holds, still parked, in the order they were parked.</summary>
    public List<(ExecutionRuntime Runtime, int Step)>? TakeReachable(Func<string, string, bool> isReachable)
    {
        List<(ExecutionRuntime Runtime, int Step)>? taken = null;
        List<(string, string)>? emptied = null;
        foreach (var (key, entries) in _byType)
        {
            if (!isReachable(key.StepType, key.Namespace))
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
            (emptied ??= []).Add(key);
        }

        foreach (var key in emptied ?? [])
        {
            _byType.Remove(key);
        }

        return taken;
    }
}
