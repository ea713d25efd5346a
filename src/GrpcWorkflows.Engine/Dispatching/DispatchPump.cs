using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.FlowControl;
using GrpcWorkflows.Engine.Scheduling;

namespace GrpcWorkflows.Engine.Dispatching;

/// <summary>
/// Hands READY steps to the dispatcher while there is capacity: the engine-wide parallelism
/// limit, each execution's own limit, and each step type's free slots in the dispatcher.
/// Executions take turns (one step each per turn); inside one, step types take turns. Steps under
/// flow control wait in the <see cref="FlowGate"/> instead, whose queues take turns by key; while it
/// holds steps, the gate and the executions' rotation go first in alternate pumps.
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
    private readonly FlowGate _flow;
    private bool _flowFirst;

    /// <summary>The namespace of the execution whose turn it is: its steps count only the executors that serve it.</summary>
    private string _namespace = Namespaces.ExecutionNamespace.Default;

    /// <param name="dispatcher">Whose free slots bound each step type.</param>
    /// <param name="maxParallelSteps">The engine-wide limit of attempts in flight.</param>
    /// <param name="startAttempt">Starts one attempt of a dequeued step (the engine's command to the execution's machine).</param>
    /// <param name="flow">Where steps under flow control wait.</param>
    public DispatchPump(IStepDispatcher dispatcher, int maxParallelSteps, Action<ExecutionRuntime, int> startAttempt, FlowGate flow)
    {
        _flow = flow;
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
        if (runtime.Flow?[step] is { } flow)
        {
            _flow.Enqueue(runtime, step, flow, _ready);
            return;
        }

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

    /// <summary>An attempt of a step under flow control ended: its concurrency key has room again.</summary>
    public void FlowAttemptEnded(ExecutionRuntime runtime, int step) => _flow.Release(runtime, step);

    /// <summary>Dispatches READY steps while there is capacity: one step per execution per turn, executions in rotation.</summary>
    public void Pump()
    {
        if (!Enabled)
        {
            return;
        }

        if (_flow.Waiting == 0)
        {
            PumpExecutions();
            return;
        }

        _flowFirst = !_flowFirst;
        if (_flowFirst)
        {
            PumpFlow();
            PumpExecutions();
        }
        else
        {
            PumpExecutions();
            PumpFlow();
        }

        _flow.NoticeWaiting();
    }

    /// <summary>Starts steps of the flow gate while there is capacity, its queues in rotation.</summary>
    private void PumpFlow()
    {
        while (Running < MaxParallelSteps && _flow.TryTake(_hasCapacity, _ready, out var runtime, out var step))
        {
            runtime!.Queued[step] = false;
            var running = runtime.Running;
            _startAttempt(runtime, step);
            if (runtime.Running == running)
            {
                // The machine started nothing (the step no longer wants an attempt, or it failed): no slot is held.
                _flow.Release(runtime, step);
            }
        }
    }

    private void PumpExecutions()
    {
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
