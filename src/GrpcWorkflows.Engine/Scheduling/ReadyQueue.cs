namespace GrpcWorkflows.Engine.Scheduling;

/// <summary>
/// One execution's READY steps, queued per step type so that a type whose executors are full
/// does not block the others; types are served in rotation.
/// </summary>
/// <remarks>
/// Entries whose <c>queued</c> flag was cleared (a cancelled step) are dropped lazily. Every
/// change is also counted in the engine-wide per-type counts passed in, which tell the engine
/// whether any READY step at all could start.
/// </remarks>
internal sealed class ReadyQueue
{
    private readonly Dictionary<string, Queue<int>> _byType = new(StringComparer.Ordinal);
    private readonly List<Queue<int>> _queues = [];
    private readonly List<string> _types = [];
    private int _next;

    /// <summary>Entries queued, stale ones included.</summary>
    public int Count { get; private set; }

    public void Enqueue(int step, string type, Dictionary<string, int> readyByType)
    {
        if (!_byType.TryGetValue(type, out var queue))
        {
            queue = new Queue<int>();
            _byType.Add(type, queue);
            _queues.Add(queue);
            _types.Add(type);
        }

        queue.Enqueue(step);
        Count++;
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(readyByType, type, out _)++;
    }

    /// <summary>Takes the next live step of a type that has capacity; false when none can start now.</summary>
    public bool TryDequeue(Func<string, bool> hasCapacity, bool[] queued, Dictionary<string, int> readyByType, out int step)
    {
        var types = _queues.Count;
        for (var n = 0; n < types && Count > 0; n++)
        {
            var t = (_next + n) % types;
            var queue = _queues[t];
            while (queue.Count > 0 && !queued[queue.Peek()])
            {
                queue.Dequeue();
                Count--;
                readyByType[_types[t]]--;
            }

            if (queue.Count > 0 && hasCapacity(_types[t]))
            {
                step = queue.Dequeue();
                Count--;
                readyByType[_types[t]]--;
                _next = (t + 1) % types;
                return true;
            }
        }

        step = -1;
        return false;
    }

    public void Clear(Dictionary<string, int> readyByType)
    {
        for (var t = 0; t < _queues.Count; t++)
        {
            readyByType[_types[t]] -= _queues[t].Count;
            _queues[t].Clear();
        }

        Count = 0;
    }
}
