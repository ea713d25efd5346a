using System.Diagnostics;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Scheduling;

/// <summary>
/// The live, in-memory side of one execution: dependency counters, READY queue, pending events
/// and the fold that is its state. Guarded by the engine's lock.
/// </summary>
internal sealed class ExecutionRuntime
{
    public ExecutionRuntime(string id, CompiledWorkflow compiled, ExecutionStateFold fold, CancellationToken engineStopping)
    {
        Id = id;
        Compiled = compiled;
        Fold = fold;
        var count = compiled.Graph.Count;
        Steps = new StepExecution[count];
        for (var i = 0; i < count; i++)
        {
            Steps[i] = fold.Step(compiled.Graph.Ids[i])!;
        }

        PendingDependencies = new int[count];
        Attempt = new int[count];
        AttemptBase = new int[count];
        Queued = new bool[count];
        Redeliver = new bool[count];
        Parked = new bool[count];
        Limit = compiled.MaxParallelSteps;
        Dispatch = CancellationTokenSource.CreateLinkedTokenSource(Cancellation.Token, engineStopping);
    }

    public string Id { get; }

    public CompiledWorkflow Compiled { get; }

    public ExecutionStateFold Fold { get; }

    /// <summary>Step states by graph index (owned by the fold).</summary>
    public StepExecution[] Steps { get; }

    /// <summary>Dependencies not yet satisfied, by step.</summary>
    public int[] PendingDependencies { get; }

    /// <summary>The latest attempt number, by step (cumulative over retries of the execution).</summary>
    public int[] Attempt { get; }

    /// <summary>The attempt count at the latest RetryExecution, by step.</summary>
    public int[] AttemptBase { get; }

    /// <summary>Whether the step sits in <see cref="Ready"/>.</summary>
    public bool[] Queued { get; }

    /// <summary>Whether the step's next dispatch re-delivers its recorded in-flight attempt (after recovery).</summary>
    public bool[] Redeliver { get; }

    /// <summary>Whether the step waits in the engine's <see cref="ExecutorWaitList"/> for a reachable executor.</summary>
    public bool[] Parked { get; }

    public ReadyQueue Ready { get; } = new();

    public Dictionary<int, ITimer>? RetryTimers { get; set; }

    /// <summary>The deadline timers of steps waiting for a reachable executor, by step.</summary>
    public Dictionary<int, ITimer>? WaitTimers { get; set; }

    public int Limit { get; }

    public int Running { get; set; }

    public int Terminal { get; set; }

    public long LastSequence { get; set; }

    public long DurableSequence { get; set; }

    public List<ExecutionEvent> PendingEvents { get; } = [];

    public List<PendingAction> PendingActions { get; } = [];

    public bool AppendInFlight { get; set; }

    public bool Dirty { get; set; }

    public bool InRoundRobin { get; set; }

    /// <summary>A Finished event was emitted; nothing more is scheduled.</summary>
    public bool Finishing { get; set; }

    /// <summary>Dropped from memory (finished, or its log could not be appended).</summary>
    public bool Closed { get; set; }

    public int FirstFailure { get; set; } = -1;

    /// <summary>The reason given with the cancel request.</summary>
    public string? CancelReason { get; set; }

    /// <summary>Fired when a client cancels the execution.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The token handed to the dispatcher: client cancel or engine stop.</summary>
    public CancellationTokenSource Dispatch { get; }

    public List<Watcher> Watchers { get; } = [];

    public TaskCompletionSource Removed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Activity? Activity { get; set; }

    public Activity?[]? StepActivities { get; set; }
}
