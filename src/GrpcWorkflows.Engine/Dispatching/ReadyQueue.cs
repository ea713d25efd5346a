namespace GrpcWorkflows.Engine.Dispatching;

/// <summary>
/// One execution's READY steps, queued per step type so that a type whose executors are full
/// does not block the others; types are served in rotation.
/// </summary>
/// <remarks>
/// Entries whose <c>queued</c> flag was cleared (a cancelled step) are dropped lazily. Every
/// change is also counted in the engine-wide <see cref="ReadyCounts"/> passed in.
/// </remarks>
internal sealed class ReadyQueue
{
    private readonly Dictionary<string, Queue<int>> _byType = new(StringComparer.Ordinal);
    private readonly List<Queue<int>> _queues = [];
    private readonly List<string> _types = [];
    private int _next;

    /// <summary>Entries queued, stale ones included.</summary>
    public int Count { get; private set; }

    public void Enqueue(int step, string type, ReadyCounts counts)
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
        counts.Add(type, 1);
    }

    /// <summary>Takes the next live step of a type that has capacity; false when none can start now.</summary>
    public bool TryDequeue(Func<string, bool> hasCapacity, bool[] queued, ReadyCounts counts, out int step)
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
                counts.Add(_types[t], -1);
            }

            if (queue.Count > 0 && hasCapacity(_types[t]))
            {
                step = queue.Dequeue();
                Count--;
                counts.Add(_types[t], -1);
                _next = (t + 1) % types;
                return true;
            }
        }

        step = -1;
        return false;
    }

    public void Clear(ReadyCounts counts)
    {
        for (var t = 0; t < _queues.Count; t++)
        {
            counts.Add(_types[t], -_queues[t].Count);
            _queues[t].Clear();
        }

        Count = 0;
    }
}
