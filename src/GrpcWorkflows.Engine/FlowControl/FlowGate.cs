using System.Globalization;
using GrpcWorkflows.Engine.Dispatching;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.FlowControl;

/// <summary>
/// The READY steps under flow control (a concurrency key, a rate limit or a priority), in queues by
/// key served round-robin, so that one busy key cannot starve the others. Inside a queue the
/// highest effective priority goes first: a step of priority p that has waited w counts as
/// p + w / <see cref="EngineOptions.PriorityAgingInterval"/>, ties in arrival order. Guarded by the engine's lock.
/// </summary>
/// <remarks>
/// Aging is the same for every waiting step, so the order is fixed at arrival: the score
/// <c>arrival - p * interval</c>, smallest first. A step is therefore served before every step of its
/// queue that arrives more than <c>(p' - p) * interval</c> after it, whatever their priority p'.
/// A queue whose head waits for its key (full) or its bucket (empty) leaves the rotation until an
/// attempt of the key ends or the bucket is refilled. Steps without flow control never come here.
/// </remarks>
internal sealed class FlowGate : IDisposable
{
    private readonly Dictionary<string, FlowQueue> _queues = new(StringComparer.Ordinal);
    private readonly Queue<FlowQueue> _turns = new();
    private readonly List<FlowQueue> _waitingForTokens = [];
    private readonly List<(FlowQueue Queue, FlowEntry Entry)> _behind = [];
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly RateBuckets _buckets;
    private readonly TimeProvider _time;
    private readonly long _agingTicks;
    private readonly Action<ExecutionRuntime, int, FlowWait> _throttled;
    private long _arrivals;

    /// <param name="time">The clock of aging and of the buckets' refills.</param>
    /// <param name="agingInterval">How long a waiting step takes to gain one priority level.</param>
    /// <param name="throttled">Records that a step is held back, and why (the engine's command to the execution's machine).</param>
    /// <param name="refillDue">Called from a timer when a bucket's refill is due (the engine takes the lock, calls <see cref="Refill"/> and pumps).</param>
    public FlowGate(TimeProvider time, TimeSpan agingInterval, Action<ExecutionRuntime, int, FlowWait> throttled, Action<string> refillDue)
    {
        _time = time;
        _agingTicks = agingInterval.Ticks;
        _throttled = throttled;
        _buckets = new RateBuckets(time, refillDue);
    }

    /// <summary>Steps queued, stale ones included.</summary>
    public int Waiting { get; private set; }

    /// <summary>Attempts in flight with a concurrency key (for tests and reasons).</summary>
    public int InFlight(string key) => _inFlight.GetValueOrDefault(key);

    /// <summary>Queues a step; records at once why it waits when its key is full, its bucket empty or others go first.</summary>
    public void Enqueue(ExecutionRuntime runtime, int step, FlowStep flow, ReadyCounts counts)
    {
        if (!_queues.TryGetValue(flow.Queue, out var queue))
        {
            queue = new FlowQueue(flow.Queue);
            _queues.Add(flow.Queue, queue);
        }

        var now = _time.GetUtcNow().UtcTicks;
        var entry = new FlowEntry(runtime, step, flow);
        queue.Entries.Enqueue(entry, (now - (flow.Priority * _agingTicks), _arrivals++));
        Waiting++;
        counts.Add(runtime.Compiled.Graph.Steps[step].Type, 1);
        if (Blocked(flow) is { } wait)
        {
            Notify(entry, wait);
        }
        else if (queue.Entries.Peek() != entry)
        {
            // Others of its queue go first; whether it still waits once the pump has run is known then.
            _behind.Add((queue, entry));
        }

        if (!queue.InTurns && !queue.WaitsForTokens)
        {
            queue.InTurns = true;
            _turns.Enqueue(queue);
        }
    }

    /// <summary>
    /// Takes the next step that may start now, queues in rotation: its key has room, its buckets a
    /// token (taken here), its type capacity and its execution room under its own limit.
    /// </summary>
    public bool TryTake(Func<string, bool> hasCapacity, ReadyCounts counts, out ExecutionRuntime? runtime, out int step)
    {
        for (var n = _turns.Count; n > 0; n--)
        {
            var queue = _turns.Dequeue();
            var entries = queue.Entries;
            while (entries.TryPeek(out var stale, out _) && IsStale(stale))
            {
                entries.Dequeue();
                Dropped(stale, counts);
            }

            if (!entries.TryPeek(out var head, out _))
            {
                queue.InTurns = false;
                continue;
            }

            if (Blocked(head.Flow) is { } wait)
            {
                // Back in rotation when an attempt of the key ends, or when the bucket is refilled.
                queue.InTurns = false;
                if (wait.Kind == FlowWaitKind.RateLimited)
                {
                    queue.WaitsForTokens = true;
                    _waitingForTokens.Add(queue);
                }

                Notify(head, wait);
                continue;
            }

            var type = head.Runtime.Compiled.Graph.Steps[head.Step].Type;
            if (head.Runtime.Running >= head.Runtime.Limit || !hasCapacity(type))
            {
                _turns.Enqueue(queue);
                continue;
            }

            entries.Dequeue();
            Dropped(head, counts);
            head.Taken = true;
            Take(head);
            if (entries.Count > 0)
            {
                _turns.Enqueue(queue);
            }
            else
            {
                queue.InTurns = false;
            }

            runtime = head.Runtime;
            step = head.Step;
            return true;
        }

        runtime = null;
        step = -1;
        return false;
    }

    /// <summary>After a pump: the steps queued behind others that are still waiting record it (priority).</summary>
    public void NoticeWaiting()
    {
        foreach (var (queue, entry) in _behind)
        {
            if (!entry.Taken && !IsStale(entry))
            {
                // Its own key or bucket is the reason when it would hold it back too; otherwise the steps ahead.
                Notify(entry, Blocked(entry.Flow) ?? PriorityWait(queue));
            }
        }

        _behind.Clear();
    }

    /// <summary>An attempt taken through the gate ended (or never started): its key has room again.</summary>
    public void Release(ExecutionRuntime runtime, int step)
    {
        if (runtime.FlowHeld is not { } held || held[step] == 0 || runtime.Flow![step] is not { ConcurrencyKey: { } key })
        {
            return;
        }

        held[step]--;
        if (--System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_inFlight, key) == 0)
        {
            _inFlight.Remove(key);
        }

        if (_queues.TryGetValue(key, out var queue) && queue.Entries.Count > 0 && !queue.InTurns && !queue.WaitsForTokens)
        {
            queue.InTurns = true;
            _turns.Enqueue(queue);
        }
    }

    /// <summary>A bucket was refilled: the queues that waited for tokens take turns again.</summary>
    public void Refill(string key)
    {
        _buckets.Refill(key);
        foreach (var queue in _waitingForTokens)
        {
            queue.WaitsForTokens = false;
            if (!queue.InTurns && queue.Entries.Count > 0)
            {
                queue.InTurns = true;
                _turns.Enqueue(queue);
            }
        }

        _waitingForTokens.Clear();
    }

    public void Dispose() => _buckets.Dispose();

    private static bool IsStale(FlowEntry entry)
        => !entry.Runtime.Queued[entry.Step] || entry.Runtime.Closed || entry.Runtime.Finishing;

    private void Dropped(FlowEntry entry, ReadyCounts counts)
    {
        Waiting--;
        counts.Add(entry.Runtime.Compiled.Graph.Steps[entry.Step].Type, -1);
    }

    private void Take(FlowEntry entry)
    {
        var flow = entry.Flow;
        if (flow.Rate is { } rate)
        {
            _buckets.TryTake(rate);
        }

        if (flow.TypeRate is { } typeRate)
        {
            _buckets.TryTake(typeRate);
        }

        if (flow.ConcurrencyKey is { } key)
        {
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_inFlight, key, out _)++;
            (entry.Runtime.FlowHeld ??= new int[entry.Runtime.Compiled.Graph.Count])[entry.Step]++;
        }
    }

    /// <summary>Why a step with this flow control cannot start now, or null when its key and buckets allow it.</summary>
    private FlowWait? Blocked(FlowStep flow)
    {
        if (flow.ConcurrencyKey is { } key && _inFlight.GetValueOrDefault(key) is var running && running >= flow.ConcurrencyMax)
        {
            return new FlowWait
            {
                Kind = FlowWaitKind.ConcurrencyKey,
                Key = FlowStep.Display(key),
                Reason = string.Create(CultureInfo.InvariantCulture, $"concurrency key '{FlowStep.Display(key)}' is full ({running} of {flow.ConcurrencyMax} running)"),
            };
        }

        foreach (var rate in (ReadOnlySpan<RateKey?>)[flow.Rate, flow.TypeRate])
        {
            if (rate is not null && !_buckets.HasToken(rate))
            {
                return new FlowWait
                {
                    Kind = FlowWaitKind.RateLimited,
                    Key = FlowStep.Display(rate.Key),
                    Reason = string.Create(CultureInfo.InvariantCulture, $"rate limit '{FlowStep.Display(rate.Key)}' ({rate.Limit} per {rate.Period}) has no token until its next refill"),
                };
            }
        }

        return null;
    }

    private static FlowWait PriorityWait(FlowQueue queue) => new()
    {
        Kind = FlowWaitKind.Priority,
        Reason = string.Create(CultureInfo.InvariantCulture, $"{queue.Entries.Count - 1} steps of higher (aged) priority or earlier arrival in the queue of '{FlowStep.Display(queue.Key)}' go first"),
    };

    private void Notify(FlowEntry entry, FlowWait wait)
    {
        if (entry.Notified != wait.Kind)
        {
            entry.Notified = wait.Kind;
            _throttled(entry.Runtime, entry.Step, wait);
        }
    }

    private sealed class FlowQueue(string key)
    {
        public string Key { get; } = key;

        /// <summary>Ordered by (arrival ticks - priority × aging interval, arrival number).</summary>
        public PriorityQueue<FlowEntry, (long Score, long Arrival)> Entries { get; } = new();

        public bool InTurns { get; set; }

        public bool WaitsForTokens { get; set; }
    }

    private sealed class FlowEntry(ExecutionRuntime runtime, int step, FlowStep flow)
    {
        public ExecutionRuntime Runtime { get; } = runtime;

        public int Step { get; } = step;

        public FlowStep Flow { get; } = flow;

        /// <summary>Whether it left the queue to start.</summary>
        public bool Taken { get; set; }

        /// <summary>The last reason recorded for this wait (a step's reason is recorded once per kind).</summary>
        public FlowWaitKind Notified { get; set; }
    }
}
