using System.Diagnostics;
using GrpcWorkflows.Engine.Committing;
using GrpcWorkflows.Engine.Dispatching;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.StateMachine;

namespace GrpcWorkflows.Engine.Scheduling;

/// <summary>
/// One execution held in memory: its <see cref="ExecutionMachine"/> (the decisions) and what the
/// host keeps beside it (READY queue, timers, pending appends, watchers, tokens, activities).
/// Guarded by the engine's lock.
/// </summary>
internal sealed class ExecutionRuntime
{
    public ExecutionRuntime(ExecutionMachine machine, CancellationToken engineStopping)
    {
        Machine = machine;
        Queued = new bool[machine.Compiled.Graph.Count];
        Parked = new bool[machine.Compiled.Graph.Count];
        Dispatch = CancellationTokenSource.CreateLinkedTokenSource(Cancellation.Token, engineStopping);
    }

    public ExecutionMachine Machine { get; }

    public string Id => Machine.Id;

    public CompiledWorkflow Compiled => Machine.Compiled;

    public ExecutionStateFold Fold => Machine.Fold;

    /// <summary>Whether the step sits in <see cref="Ready"/>.</summary>
    public bool[] Queued { get; }

    /// <summary>Whether the step waits in the engine's <see cref="ExecutorWaitList"/> for a reachable executor.</summary>
    public bool[] Parked { get; }

    public ReadyQueue Ready { get; } = new();

    /// <summary>Each step's flow control with its keys resolved, or null when no step has any (the plain path).</summary>
    public FlowControl.FlowStep?[]? Flow { get; set; }

    /// <summary>The execution's resolved workflow concurrency key (scoped to its namespace), or null when its workflow has none.</summary>
    public string? ExecutionKey { get; set; }

    /// <summary>Attempts per step holding a slot of its concurrency key; allocated with the first.</summary>
    public int[]? FlowHeld { get; set; }

    /// <summary>The timers the machine asked for, by step and purpose.</summary>
    public Dictionary<(int Step, TimerPurpose Purpose), ITimer>? Timers { get; set; }

    /// <summary>The execution's own parallelism limit.</summary>
    public int Limit => Machine.Compiled.MaxParallelSteps;

    /// <summary>Attempts handed out and not yet completed.</summary>
    public int Running => Machine.Running;

    /// <summary>A Finished event was decided; nothing more is scheduled.</summary>
    public bool Finishing => Machine.IsFinished;

    /// <summary>How many of <see cref="ExecutionMachine.Events"/> the host has already observed (metrics, tracing).</summary>
    public int Observed { get; set; }

    public long DurableSequence { get; set; }

    /// <summary>
    /// The lease through which this replica owns the execution (replicas on a shared store), or null (one
    /// orchestrator). Every append goes through it: fenced by its epoch.
    /// </summary>
    public Storage.ExecutionLease? Lease { get; set; }

    /// <summary>Actions waiting for the events decided before them to be durable.</summary>
    public List<PendingAction> PendingActions { get; } = [];

    public bool AppendInFlight { get; set; }

    /// <summary>
    /// When the attempt starts held in <see cref="ExecutionMachine.Events"/> (dispatched before stored) must be
    /// stored even if nothing else comes (UTC ticks), or 0 when none are held.
    /// </summary>
    public long StartsHeldUntil { get; set; }

    /// <summary>The held starts are due: the next batch stores them whatever else it holds.</summary>
    public bool StartsDue { get; set; }

    public bool Dirty { get; set; }

    public bool InRoundRobin { get; set; }

    /// <summary>Dropped from memory (finished, or its log could not be appended).</summary>
    public bool Closed { get; set; }

    /// <summary>Fired when a client cancels the execution.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The token handed to the dispatcher: client cancel or engine stop.</summary>
    public CancellationTokenSource Dispatch { get; }

    public List<Watcher> Watchers { get; } = [];

    public TaskCompletionSource Removed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Activity? Activity { get; set; }

    public Activity?[]? StepActivities { get; set; }
}
