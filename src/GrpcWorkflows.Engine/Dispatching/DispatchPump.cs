using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Scheduling;

namespace GrpcWorkflows.Engine.Dispatching;

/// <summary>
/// Hands READY steps to the dispatcher while there is capacity: the engine-wide parallelism
/// limit, each execution's own limit, and each step type's free slots in the dispatcher.
/// Executions take turns (one step each per turn); inside one, step types take turns.
/// </summary>
/// <remarks>
/// Every member runs under the engine's lock except <see cref="HasReadySteps"/>. Keeps, for
/// speed, the READY counts per step type (so a full executor does not make every turn walk every
/// execution) and the attempts decided but not yet dispatched per type (so the dispatcher's free
/// slots are never over-promised while start events are being persisted).
/// </remarks>
internal sealed class DispatchPump
{
    private readonly IStepDispatcher _dispatcher;
    private readonly Action<ExecutionRuntime, int> _startAttempt;
    private readonly Func<string, bool> _hasCapacity;
    private readonly Queue<ExecutionRuntime> _roundRobin = new();
    private readonly Dictionary<string, InTransitCounter> _inTransit = new(StringComparer.Ordinal);
    private readonly ReadyCounts _ready = new();

    /// <summary>The namespace of the execution whose turn it is: its steps count only the executors that serve it.</summary>
    private string _namespace = Namespaces.ExecutionNamespace.Default;

    /// <param name="dispatcher">Whose free slots bound each step type.</param>
    /// <param name="maxParallelSteps">The engine-wide limit of attempts in flight.</param>
    /// <param name="startAttempt">Starts one attempt of a dequeued step (the engine's command to the execution's machine).</param>
    public DispatchPump(IStepDispatcher dispatcher, int maxParallelSteps, Action<ExecutionRuntime, int> startAttempt)
    {
        _dispatcher = dispatcher;
        MaxParallelSteps = maxParallelSteps;
        _startAttempt = startAttempt;
        _hasCapacity = CanDispatch;
    }

    /// <summary>The engine-wide limit of attempts in flight (this replica's share of it with replicas); set under the engine's lock.</summary>
    public int MaxParallelSteps { get; set; }

    /// <summary>Whether <see cref="Pump"/> may hand out steps (the engine has started and is not stopping).</summary>
    public bool Enabled { get; set; }

    /// <summary>Attempts handed out and not yet completed, over every execution.</summary>
    public int Running { get; private set; }

    /// <summary>READY steps queued over every execution. Read without the lock.</summary>
    public int ReadyCount => Volatile.Read(ref _ready.Total);

    /// <summary>Whether any step is queued; read without the lock (see <see cref="CanDispatch(string)"/> for the pairing fence).</summary>
    public bool HasReadySteps => Volatile.Read(ref _ready.Total) != 0;

    /// <summary>Queues a step of an execution and puts the execution in rotation.</summary>
    public void Enqueue(ExecutionRuntime runtime, int step)
    {
        runtime.Queued[step] = true;
        runtime.Ready.Enqueue(step, runtime.Compiled.Graph.Steps[step].Type, _ready);
        Schedule(runtime);
    }

    /// <summary>Drops every step an execution has queued.</summary>
    public void Clear(ExecutionRuntime runtime)
    {
        Array.Clear(runtime.Queued);
        runtime.Ready.Clear(_ready);
    }

    /// <summary>An attempt of <paramref name="stepType"/> was decided: it counts against capacity until dispatched.</summary>
    public InTransitCounter AttemptDecided(string stepType)
    {
        Running++;
        var inTransit = InTransit(stepType);
        inTransit.Value++;
        return inTransit;
    }

    /// <summary>An attempt decided will never be dispatched (its execution was abandoned).</summary>
    public void AttemptAbandoned() => Running--;

    /// <summary>An attempt handed out ended; its execution may take another turn.</summary>
    public void AttemptEnded(ExecutionRuntime runtime)
    {
        Running--;
        Schedule(runtime);
    }

    /// <summary>Dispatches READY steps while there is capacity: one step per execution per turn, executions in rotation.</summary>
    public void Pump()
    {
        if (!Enabled)
        {
            return;
        }

        var misses = 0;

        // With several executions in rotation, the capacity check comes first: without it a full
        // executor would make every pump walk (and rotate) every execution waiting for it. With one,
        // a blocked pump costs a single miss, and the check measurably slowed one huge DAG (S4).
        while (Running < MaxParallelSteps && _roundRobin.Count > 0 && misses < _roundRobin.Count
            && (_roundRobin.Count == 1 || AnyReadyTypeHasCapacity()))
        {
            var runtime = _roundRobin.Dequeue();
            if (runtime.Ready.Count == 0 || runtime.Running >= runtime.Limit || runtime.Finishing || runtime.Closed)
            {
                runtime.InRoundRobin = false;
                continue;
            }

            _namespace = runtime.Fold.Execution.Namespace;
            if (runtime.Ready.TryDequeue(_hasCapacity, runtime.Queued, _ready, out var step))
            {
                misses = 0;
                runtime.Queued[step] = false;
                _startAttempt(runtime, step);
            }
            else
            {
                misses++;
            }

            if (runtime.Ready.Count > 0 && runtime.Running < runtime.Limit && !runtime.Finishing)
            {
                _roundRobin.Enqueue(runtime);
            }
            else
            {
                runtime.InRoundRobin = false;
            }
        }
    }

    /// <summary>Puts an execution back in the rotation when it has READY steps and room under its own limit.</summary>
    public void Schedule(ExecutionRuntime runtime)
    {
        if (!runtime.InRoundRobin && runtime.Ready.Count > 0 && runtime.Running < runtime.Limit && !runtime.Finishing && !runtime.Closed)
        {
            runtime.InRoundRobin = true;
            _roundRobin.Enqueue(runtime);
        }
    }

    /// <summary>Whether some step type with READY steps has capacity for one more attempt (in some namespace).</summary>
    private bool AnyReadyTypeHasCapacity()
    {
        foreach (var (stepType, ready) in _ready.ByType)
        {
            if (ready > 0 && CanDispatch(stepType, anyNamespace: true))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether one more attempt of <paramref name="stepType"/>, for the execution whose turn it is, may be decided now.</summary>
    private bool CanDispatch(string stepType) => CanDispatch(stepType, anyNamespace: false);

    /// <summary>
    /// Whether one more attempt of <paramref name="stepType"/> may be decided now: in the namespace of the execution
    /// whose turn it is, or (<paramref name="anyNamespace"/>) in some namespace. Attempts decided and not yet
    /// dispatched are counted per type, whatever their namespace: at worst a step waits for the next turn.
    /// </summary>
    private bool CanDispatch(string stepType, bool anyNamespace)
    {
        // Publishes the READY count before reading the dispatcher's slots (see the engine's
        // capacity handler): a step queued concurrently either sees the freed slot here or is counted there.
        Interlocked.MemoryBarrier();
        var available = anyNamespace ? _dispatcher.AvailableCapacity(stepType) : _dispatcher.AvailableCapacity(stepType, _namespace);
        return available > 0 && (available == int.MaxValue || Volatile.Read(ref InTransit(stepType).Value) < available);
    }

    private InTransitCounter InTransit(string stepType)
    {
        if (!_inTransit.TryGetValue(stepType, out var counter))
        {
            counter = new InTransitCounter();
            _inTransit.Add(stepType, counter);
        }

        return counter;
    }
}
