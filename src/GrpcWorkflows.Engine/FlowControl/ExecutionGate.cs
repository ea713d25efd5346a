using GrpcWorkflows.Engine.Scheduling;

namespace GrpcWorkflows.Engine.FlowControl;

/// <summary>
/// Workflow-level concurrency: per resolved key, the executions running and the ones queued
/// (PENDING), served by priority with aging and then arrival, like the step queues. Guarded by the
/// engine's lock. Each key's slots serve only its own queue, so one key never holds another back.
/// </summary>
internal sealed class ExecutionGate
{
    private readonly Dictionary<string, KeyState> _keys = new(StringComparer.Ordinal);
    private readonly long _agingTicks;
    private long _arrivals;

    /// <param name="agingInterval">How long a queued execution takes to gain one priority level.</param>
    public ExecutionGate(TimeSpan agingInterval) => _agingTicks = agingInterval.Ticks;

    /// <summary>How many executions with <paramref name="key"/> run (cancelled ones still count until they finish).</summary>
    public int Running(string key) => _keys.TryGetValue(key, out var state) ? state.Running.Count : 0;

    /// <summary>Counts an execution as running under its key.</summary>
    public void Admit(ExecutionRuntime runtime) => State(runtime.ExecutionKey!).Running.Add(runtime);

    /// <summary>Queues an execution that found its key full; <paramref name="arrival"/> is its creation time.</summary>
    public void Queue(ExecutionRuntime runtime, DateTimeOffset arrival, int priority)
        => State(runtime.ExecutionKey!).Queued.Enqueue(runtime, (arrival.UtcTicks - (priority * _agingTicks), _arrivals++));

    /// <summary>The oldest running execution of the key that is not being cancelled already, or null.</summary>
    public ExecutionRuntime? OldestRunning(string key)
        => _keys.TryGetValue(key, out var state) ? state.Running.Find(r => !r.Fold.CancelRequested && !r.Finishing) : null;

    /// <summary>An execution with a key finished (or left memory): its slot, if it held one, is free.</summary>
    public void Release(ExecutionRuntime runtime)
    {
        if (_keys.TryGetValue(runtime.ExecutionKey!, out var state) && state.Running.Remove(runtime) && state.Running.Count == 0 && state.Queued.Count == 0)
        {
            _keys.Remove(runtime.ExecutionKey!);
        }
    }

    /// <summary>Takes the next queued executions of every key with room under <paramref name="max"/> (their own workflow's); the caller starts them.</summary>
    public List<ExecutionRuntime>? TakeAdmissible(Func<ExecutionRuntime, int> max, string? onlyKey = null)
    {
        List<ExecutionRuntime>? admitted = null;
        foreach (var (key, state) in _keys)
        {
            if (onlyKey is not null && key != onlyKey)
            {
                continue;
            }

            while (state.Queued.TryPeek(out var next, out _) && (next.Closed || next.Finishing || state.Running.Count < max(next)))
            {
                state.Queued.Dequeue();
                if (!next.Closed && !next.Finishing)
                {
                    state.Running.Add(next);
                    (admitted ??= []).Add(next);
                }
            }
        }

        return admitted;
    }

    /// <summary>The executions still queued (after recovery: the ones that must say why).</summary>
    public IEnumerable<ExecutionRuntime> Queued() => _keys.Values.SelectMany(s => s.Queued.UnorderedItems.Select(i => i.Element));

    private KeyState State(string key)
    {
        if (!_keys.TryGetValue(key, out var state))
        {
            state = new KeyState();
            _keys.Add(key, state);
        }

        return state;
    }

    private sealed class KeyState
    {
        /// <summary>In admission order: the first is the oldest.</summary>
        public List<ExecutionRuntime> Running { get; } = [];

        public PriorityQueue<ExecutionRuntime, (long Score, long Arrival)> Queued { get; } = new();
    }
}
