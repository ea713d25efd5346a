using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Events;

/// <summary>
/// The execution's state as a fold of its events: applying an execution's log in sequence order
/// reproduces exactly the state the engine held live (the engine applies every event through the
/// same fold before appending it).
/// </summary>
/// <remarks>
/// Not thread-safe: one fold belongs to one execution and one writer. Besides the public
/// <see cref="Execution"/>, the fold keeps the scheduling facts the engine decides by (unsatisfied
/// dependencies, terminal steps, the first failure), so that a recovered execution and a live one
/// are the same state.
/// </remarks>
public sealed partial class ExecutionStateFold
{
    private readonly Dictionary<string, StepExecution> _steps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _attemptBase = new(StringComparer.Ordinal);
    private WorkflowGraph? _graph;
    private StepExecution[] _byIndex = [];
    private int[] _pendingDependencies = [];
    private int[] _doneDependencies = [];
    private int[] _failedDependencies = [];
    private string?[] _skipCause = [];

    /// <summary>The state folded so far. Empty until the submitted event is applied.</summary>
    public Execution Execution { get; } = new();

    /// <summary>Whether a cancel was requested since the last submit or retry.</summary>
    public bool CancelRequested { get; private set; }

    /// <summary>Whether an <see cref="ExecutionFinished"/> event is the latest lifecycle event.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>The steps as a graph, by index (set by the submitted event).</summary>
    internal WorkflowGraph Graph => _graph ?? throw new InvalidOperationException("The submitted event has not been applied.");

    /// <summary>Step states by graph index.</summary>
    internal StepExecution[] Steps => _byIndex;

    /// <summary>Dependencies not yet satisfied (succeeded, or failed and continued), by step index.</summary>
    internal int[] PendingDependencies => _pendingDependencies;

    /// <summary>Dependencies in a terminal state, by step index.</summary>
    internal int[] DoneDependencies => _doneDependencies;

    /// <summary>Dependencies that failed (without <c>continue_on_failure</c>) or were cancelled, by step index.</summary>
    internal int[] FailedDependencies => _failedDependencies;

    /// <summary>The cause recorded with each skipped step (<see cref="StepSkipped.CauseStepId"/>), by step index.</summary>
    internal string?[] SkipCause => _skipCause;

    /// <summary>Whether the execution's timeout elapsed since the last submit or retry (it also counts as a cancel request).</summary>
    internal bool TimedOut { get; private set; }

    /// <summary>When the current run started: the started event, or the latest retry.</summary>
    internal DateTimeOffset? RunStartTime { get; private set; }

    /// <summary>The number of steps in a terminal state.</summary>
    internal int TerminalCount { get; private set; }

    /// <summary>The index of the first step that failed the execution since the last submit or retry, or -1.</summary>
    internal int FirstFailure { get; private set; } = -1;

    /// <summary>The reason of the latest cancel request.</summary>
    internal string? CancelReason { get; private set; }

    /// <summary>Folds a whole log.</summary>
    public static Execution Replay(IEnumerable<ExecutionEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var fold = new ExecutionStateFold();
        foreach (var e in events)
        {
            fold.Apply(e);
        }

        return fold.Execution;
    }

    /// <summary>The step's state, or null for an unknown step id.</summary>
    public StepExecution? Step(string stepId) => _steps.GetValueOrDefault(stepId);

    /// <summary>The number of attempts the step had before the latest <see cref="ExecutionRetried"/> that reset it.</summary>
    public int AttemptBase(string stepId) => _attemptBase.GetValueOrDefault(stepId);

    /// <summary>Applies one event.</summary>
    public void Apply(ExecutionEvent e) => Apply(e, compiled: null);

    /// <summary>Applies one event; for a submitted event, <paramref name="compiled"/> (when given) supplies the graph and order.</summary>
    internal void Apply(ExecutionEvent e, CompiledWorkflow? compiled)
    {
        ArgumentNullException.ThrowIfNull(e);
        var execution = Execution;
        execution.LastSequence = e.Sequence;
        switch (e.KindCase)
        {
            case ExecutionEvent.KindOneofCase.Submitted:
                ApplySubmitted(e, compiled);
                break;
            case ExecutionEvent.KindOneofCase.Started:
                execution.State = ExecutionState.Running;
                execution.StartTime ??= e.Time;
                execution.FlowWait = null;
                RunStartTime = e.Time.ToDateTimeOffset();
                break;
            case ExecutionEvent.KindOneofCase.StepSuspended:
                var suspended = _steps[e.StepSuspended.StepId];
                suspended.State = StepState.Suspended;
                suspended.StartTime ??= e.Time;
                suspended.WakeTime = e.StepSuspended.WakeTime;
                suspended.Signal = e.StepSuspended.Signal;
                break;
            case ExecutionEvent.KindOneofCase.ChildStarted:
                _steps[e.ChildStarted.StepId].ChildExecutionId = e.ChildStarted.ChildExecutionId;
                break;
            case ExecutionEvent.KindOneofCase.TimedOut:
                TimedOut = true;
                CancelRequested = true;
                CancelReason = $"the execution did not finish within its timeout of {e.TimedOut.Timeout.ToTimeSpan()}";
                break;
            case ExecutionEvent.KindOneofCase.StepReady:
                var ready = _steps[e.StepReady.StepId];
                ready.State = StepState.Ready;
                ready.ReadyTime = e.Time;
                break;
            case ExecutionEvent.KindOneofCase.AttemptStarted when e.AttemptStarted.HasItem:
                ApplyItemStarted(e);
                break;
            case ExecutionEvent.KindOneofCase.AttemptFailed when e.AttemptFailed.HasItem:
                ApplyItemFailed(e);
                break;
            case ExecutionEvent.KindOneofCase.FannedOut:
                ApplyFannedOut(e);
                break;
            case ExecutionEvent.KindOneofCase.ItemSucceeded:
                ApplyItemSucceeded(e);
                break;
            case ExecutionEvent.KindOneofCase.AttemptStarted:
                var started = _steps[e.AttemptStarted.StepId];
                started.State = StepState.Running;
                started.Attempts = e.AttemptStarted.Attempt;
                started.StartTime ??= e.Time;
                started.NextAttemptTime = null;
                started.FlowWait = null;
                started.AttemptHistory.Add(new StepAttempt { Attempt = e.AttemptStarted.Attempt, Endpoint = e.AttemptStarted.Endpoint, StartTime = e.Time });
                break;
            case ExecutionEvent.KindOneofCase.AwaitingExecutor:
                ApplyAwaitingExecutor(e.AwaitingExecutor);
                break;
            case ExecutionEvent.KindOneofCase.StepThrottled:
                _steps[e.StepThrottled.StepId].FlowWait = e.StepThrottled.Wait;
                break;
            case ExecutionEvent.KindOneofCase.ExecutionQueued:
                execution.FlowWait = e.ExecutionQueued.Wait;
                break;
            case ExecutionEvent.KindOneofCase.AttemptFailed:
                var failed = _steps[e.AttemptFailed.StepId];
                failed.Error = e.AttemptFailed.Error;
                failed.ExecutorWait = null;
                failed.FlowWait = null;
                CloseAttempt(failed, e.AttemptFailed.Attempt, e.Time, e.AttemptFailed.Error, e.AttemptFailed.Endpoint);
                if (e.AttemptFailed.WillRetry)
                {
                    failed.State = StepState.RetryWait;
                    var due = e.Time.ToDateTimeOffset() + (e.AttemptFailed.RetryDelay?.ToTimeSpan() ?? TimeSpan.Zero);
                    failed.NextAttemptTime = Timestamp.FromDateTimeOffset(due);
                }

                break;
            case ExecutionEvent.KindOneofCase.StepSucceeded:
                var succeeded = _steps[e.StepSucceeded.StepId];
                BecomeTerminal(e.StepSucceeded.StepId, succeeded, satisfies: true, fails: false);
                succeeded.State = StepState.Succeeded;
                succeeded.StartTime ??= e.Time;
                ClearWait(succeeded);
                succeeded.Output = e.StepSucceeded.Output;
                succeeded.Error = null;
                succeeded.ExecutorWait = null;
                succeeded.FlowWait = null;
                succeeded.EndTime = e.Time;
                CloseAttempt(succeeded, e.StepSucceeded.Attempt, e.Time, null, e.StepSucceeded.Endpoint);
                break;
            case ExecutionEvent.KindOneofCase.StepFailed:
                var terminal = _steps[e.StepFailed.StepId];
                BecomeTerminal(e.StepFailed.StepId, terminal, satisfies: e.StepFailed.Continued, fails: !e.StepFailed.Continued, counted: !e.StepFailed.Continued);
                terminal.State = StepState.Failed;
                EndItems(e.StepFailed.StepId);
                terminal.Error = e.StepFailed.Error;
                terminal.EndTime = e.Time;
                terminal.NextAttemptTime = null;
                terminal.ExecutorWait = null;
                terminal.FlowWait = null;
                ClearWait(terminal);
                break;
            case ExecutionEvent.KindOneofCase.StepSkipped:
                var skipped = _steps[e.StepSkipped.StepId];
                BecomeTerminal(e.StepSkipped.StepId, skipped, satisfies: false, fails: false);
                if (_graph is not null)
                {
                    _skipCause[_graph.Index[e.StepSkipped.StepId]] = e.StepSkipped.CauseStepId;
                }

                skipped.State = StepState.Skipped;
                skipped.Reason = e.StepSkipped.Reason;
                skipped.EndTime = e.Time;
                skipped.ExecutorWait = null;
                skipped.FlowWait = null;
                break;
            case ExecutionEvent.KindOneofCase.StepCancelled:
                var cancelled = _steps[e.StepCancelled.StepId];
                BecomeTerminal(e.StepCancelled.StepId, cancelled, satisfies: false, fails: false, counted: true);
                ClearWait(cancelled);
                cancelled.State = StepState.Cancelled;
                EndItems(e.StepCancelled.StepId);
                cancelled.Reason = e.StepCancelled.Reason;
                cancelled.EndTime = e.Time;
                cancelled.NextAttemptTime = null;
                cancelled.ExecutorWait = null;
                cancelled.FlowWait = null;
                if (cancelled.AttemptHistory.Count > 0 && cancelled.AttemptHistory[^1].EndTime is null)
                {
                    cancelled.AttemptHistory[^1].EndTime = e.Time;
                }

                break;
            case ExecutionEvent.KindOneofCase.CancelRequested:
                CancelRequested = true;
                CancelReason = e.CancelRequested.Reason;
                break;
            case ExecutionEvent.KindOneofCase.Retried:
                ApplyRetried(e);
                break;
            case ExecutionEvent.KindOneofCase.Finished:
                execution.State = e.Finished.State;
                execution.Result = e.Finished.Result;
                execution.Error = e.Finished.Error;
                execution.EndTime = e.Time;
                IsFinished = true;
                break;
        }
    }

    /// <summary>Whether a step in <paramref name="state"/> will not change again until a retry.</summary>
    internal static bool IsTerminal(StepState state) => state is StepState.Succeeded or StepState.Failed or StepState.Skipped or StepState.Cancelled;

    /// <summary>Whether a step satisfies its dependents: it succeeded, or failed and continues on failure.</summary>
    internal bool Satisfies(int step) => _byIndex[step].State == StepState.Succeeded || (_byIndex[step].State == StepState.Failed && _graph!.Steps[step].ContinueOnFailure);

    /// <summary>Whether a dependency counts as failed for trigger rules: failed without continuing, or cancelled.</summary>
    internal bool CountsAsFailed(int step) => _byIndex[step].State == StepState.Cancelled || (_byIndex[step].State == StepState.Failed && !_graph!.Steps[step].ContinueOnFailure);

    private static void ClearWait(StepExecution step)
    {
        step.WakeTime = null;
        step.Signal = string.Empty;
    }

    /// <summary>Counts a step that just became terminal in its dependents' facts; <paramref name="counted"/>: dependents count it as failed (failed without continuing, or cancelled).</summary>
    private void BecomeTerminal(string stepId, StepExecution step, bool satisfies, bool fails, bool counted = false)
    {
        if (_graph is null || IsTerminal(step.State))
        {
            return;
        }

        TerminalCount++;
        var index = _graph.Index[stepId];
        foreach (var dependent in _graph.Dependents[index])
        {
            _doneDependencies[dependent]++;
            if (satisfies)
            {
                _pendingDependencies[dependent]--;
            }

            if (counted)
            {
                _failedDependencies[dependent]++;
            }
        }

        if (fails && FirstFailure < 0)
        {
            FirstFailure = index;
        }
    }

    private void Recount()
    {
        var graph = _graph!;
        TerminalCount = 0;
        for (var i = 0; i < graph.Count; i++)
        {
            if (IsTerminal(_byIndex[i].State))
            {
                TerminalCount++;
            }

            int pending = 0, done = 0, failed = 0;
            foreach (var dependency in graph.Dependencies[i])
            {
                if (!Satisfies(dependency))
                {
                    pending++;
                }

                if (IsTerminal(_byIndex[dependency].State))
                {
                    done++;
                }

                if (CountsAsFailed(dependency))
                {
                    failed++;
                }
            }

            _pendingDependencies[i] = pending;
            _doneDependencies[i] = done;
            _failedDependencies[i] = failed;
        }
    }

    private void ApplySubmitted(ExecutionEvent e, CompiledWorkflow? compiled)
    {
        var execution = Execution;
        var submitted = e.Submitted;
        var definition = submitted.Definition;
        execution.ExecutionId = e.ExecutionId;
        execution.WorkflowId = definition.Id;
        execution.State = ExecutionState.Pending;
        execution.Definition = definition;
        execution.Input = submitted.Input;
        execution.IdempotencyKey = submitted.IdempotencyKey;
        execution.Namespace = Namespaces.ExecutionNamespace.OrDefault(submitted.Namespace);
        execution.CreateTime = e.Time;
        execution.WorkflowVersion = submitted.WorkflowVersion;
        execution.ParentExecutionId = submitted.ParentExecutionId;
        execution.ParentStepId = submitted.ParentStepId;
        execution.Depth = submitted.Depth;
        execution.ScheduleId = submitted.ScheduleId;
        execution.ScheduleTime = submitted.ScheduleTime;
        foreach (var (key, value) in ExecutionLabels.Of(submitted))
        {
            execution.Labels[key] = value;
        }

        var graph = compiled?.Graph ?? WorkflowGraph.Build(definition);
        var order = compiled?.Order ?? WorkflowPlanner.TopologicalOrder(graph, out _) ?? Enumerable.Range(0, graph.Count).ToArray();
        _graph = graph;
        _byIndex = new StepExecution[graph.Count];
        _pendingDependencies = new int[graph.Count];
        _doneDependencies = new int[graph.Count];
        _failedDependencies = new int[graph.Count];
        _skipCause = new string?[graph.Count];
        foreach (var i in order)
        {
            var step = graph.Steps[i];
            var state = new StepExecution { StepId = graph.Ids[i], Type = step.Type, State = StepState.Waiting };
            state.DependsOn.Add(step.DependsOn);
            execution.Steps.Add(state);
            _steps.Add(state.StepId, state);
            _byIndex[i] = state;
            _pendingDependencies[i] = graph.Dependencies[i].Length;
        }

        TerminalCount = 0;
        FirstFailure = -1;
    }

    private void ApplyRetried(ExecutionEvent e)
    {
        var execution = Execution;
        execution.State = ExecutionState.Running;
        execution.EndTime = null;
        execution.Error = null;
        execution.Result = null;
        execution.RetryCount++;
        CancelRequested = false;
        TimedOut = false;
        RunStartTime = e.Time.ToDateTimeOffset();
        IsFinished = false;
        foreach (var id in e.Retried.StepIds)
        {
            var step = _steps[id];
            _attemptBase[id] = step.Attempts;
            step.State = StepState.Waiting;
            step.Output = null;
            step.Error = null;
            step.Reason = string.Empty;
            step.ReadyTime = null;
            step.StartTime = null;
            step.EndTime = null;
            step.NextAttemptTime = null;
            step.ExecutorWait = null;
            step.FlowWait = null;
            ClearWait(step);
            if (_graph is not null)
            {
                _skipCause[_graph.Index[id]] = null;
            }
        }

        FirstFailure = -1;
        if (_graph is not null)
        {
            Recount();
        }
    }

    /// <summary>An attempt never reached an executor: it is taken back (count and history), and the step is READY again, waiting.</summary>
    private void ApplyAwaitingExecutor(StepAwaitingExecutor awaiting)
    {
        var step = _steps[awaiting.StepId];
        step.State = StepState.Ready;
        step.Attempts = awaiting.Attempt - 1;
        step.ExecutorWait = awaiting.Wait;
        var history = step.AttemptHistory;
        if (history.Count > 0 && history[^1].Attempt == awaiting.Attempt)
        {
            history.RemoveAt(history.Count - 1);
        }

        if (history.Count == 0)
        {
            step.StartTime = null;
        }
    }

    private static void CloseAttempt(StepExecution step, int attempt, Timestamp time, StepError? error, string endpoint)
    {
        for (var i = step.AttemptHistory.Count - 1; i >= 0; i--)
        {
            var entry = step.AttemptHistory[i];
            if (entry.Attempt == attempt)
            {
                entry.EndTime ??= time;
                if (endpoint.Length > 0)
                {
                    entry.Endpoint = endpoint;
                }

                if (error is not null)
                {
                    entry.Error = error;
                }

                return;
            }
        }
    }
}
