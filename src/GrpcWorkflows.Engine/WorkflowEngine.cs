using System.Diagnostics.Metrics;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Attempts;
using GrpcWorkflows.Engine.Commands;
using GrpcWorkflows.Engine.Committing;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Dispatching;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Recovery;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.Engine.Secrets;
using GrpcWorkflows.Engine.StateMachine;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Tracing;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Engine;

/// <summary>
/// Runs workflow executions: validates and plans definitions, persists every state change as an
/// event, schedules each step the moment its dependencies succeed, retries failed attempts and
/// passes data between steps.
/// </summary>
/// <remarks>
/// Thread-safe. Each execution's decisions are made by its own pure state machine; the engine
/// feeds it commands (with the time and the jitter) under one short lock that is never held
/// across an await, and carries out what it decides: the dispatch pump hands READY steps to the
/// dispatcher as capacity allows, the event committer appends each execution's new events in one
/// <see cref="IExecutionStore.AppendAsync"/> and only then dispatches, answers callers and
/// publishes to watchers. Appends of different executions are in flight at the same time.
/// </remarks>
public sealed partial class WorkflowEngine : IAsyncDisposable, ICommitHost
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    private readonly IExecutionStore _store;
    private readonly StoredWorkflows.IWorkflowStore? _workflows;
    private readonly ISecretProvider? _secrets;
    private readonly IStepTypeCatalog? _localStepTypes;
    private readonly IStepDispatcher _dispatcher;
    private readonly EngineOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _jitter;
    private readonly ILogger _logger;
    private readonly WorkflowDefinitionValidator _validator;
    private readonly EngineMetrics _metrics;
    private readonly DispatchPump _pump;
    private readonly FlowControl.FlowGate _flow;
    private readonly FlowControl.ExecutionGate _executions;
    private readonly EventCommitter _committer;
    private readonly AttemptRunner _runner;
    private readonly ExecutorWaitList _waitingForExecutor = new();
    private readonly Func<string, string, bool> _isReachable;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ExecutionRuntime> _active = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _activeCount;
    private bool _started;
    private bool _stopRequested;

    /// <summary>Creates an engine. Call <see cref="StartAsync"/> before submitting.</summary>
    /// <param name="store">Where events are persisted.</param>
    /// <param name="dispatcher">Runs step attempts.</param>
    /// <param name="options">Limits and defaults.</param>
    /// <param name="timeProvider">The clock of backoff delays, timeouts and event times.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="meterFactory">Creates the engine's meter (the host's, so that its listeners see it).</param>
    /// <param name="jitter">Draws the jitter of retry delays; only used under the engine's lock. Seed it for reproducible delays.</param>
    /// <param name="stepTypes">The registry hook of validation; null when every type is served.</param>
    /// <param name="secrets">Where <c>{{ secrets.NAME }}</c> references resolve at dispatch (and are checked at submission); null when no secret is known.</param>
    /// <param name="replicaStore">
    /// The shared store when this engine is one of several replicas (the same database as <paramref name="store"/>,
    /// unwrapped): executions are owned through leases and every append is fenced by the lease's epoch; null for
    /// a single orchestrator.
    /// </param>
    /// <param name="replicaOptions">Lease duration, renewal interval and claim batch of a replica; defaults when null.</param>
    /// <param name="workflows">Where stored workflow definitions live; null for the execution store's own (when it keeps them).</param>
    public WorkflowEngine(
        IExecutionStore store,
        IStepDispatcher dispatcher,
        IOptions<EngineOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IMeterFactory meterFactory,
        Random jitter,
        IStepTypeCatalog? stepTypes = null,
        ISecretProvider? secrets = null,
        IExecutionReplicaStore? replicaStore = null,
        ReplicaOptions? replicaOptions = null,
        StoredWorkflows.IWorkflowStore? workflows = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(jitter);
        _store = store;
        _workflows = workflows ?? store as StoredWorkflows.IWorkflowStore;
        _dispatcher = dispatcher;
        _options = options.Value;
        _time = timeProvider;
        _jitter = jitter;
        _logger = loggerFactory.CreateLogger<WorkflowEngine>();
        _secrets = secrets;
        _localStepTypes = stepTypes;
        _validator = new WorkflowDefinitionValidator(_options, replicaStore is not null && stepTypes is not null ? new ReplicaStepTypes(stepTypes, this) : stepTypes, secrets);
        _flow = new FlowControl.FlowGate(timeProvider, _options.PriorityAgingInterval, Throttled, OnRefillDue);
        _pump = new DispatchPump(dispatcher, _options.MaxParallelSteps, StartAttempt, _flow);
        _executions = new FlowControl.ExecutionGate(_options.PriorityAgingInterval);
        _replicas = replicaStore;
        _replicaOptions = replicaOptions ?? new ReplicaOptions();
        _owner = replicaStore is null ? string.Empty : _replicaOptions.EffectiveId(timeProvider);
        _committer = new EventCommitter(_gate, store, timeProvider, _logger, this, _stopping.Token, replicaStore, _options.StartRecordDelay);
        _runner = new AttemptRunner(dispatcher, timeProvider, _logger, OnAttemptCompleted, _stopping.Token);
        _isReachable = dispatcher.IsReachable;
        _metrics = new EngineMetrics(meterFactory, () => ReadyQueueDepth, () => ActiveExecutionCount);
    }

    /// <summary>The number of executions that are not finished.</summary>
    public int ActiveExecutionCount => Volatile.Read(ref _activeCount);

    /// <summary>
    /// The storage error of the last failed write while the store cannot write; null once a write
    /// succeeds. Meanwhile executions wait in memory and their appends are retried.
    /// </summary>
    public Exception? StoreFailure => _committer.StoreFailure;

    /// <summary>The number of READY steps waiting for capacity, over every execution.</summary>
    public int ReadyQueueDepth => _pump.ReadyCount;

    /// <summary>Validates a definition: every problem with its field path, the registry check, and the plan.</summary>
    public WorkflowValidationResult Validate(WorkflowDefinition definition) => _validator.Validate(definition);

    /// <summary>Validates, persists and starts an execution; returns once it is durable.</summary>
    /// <exception cref="WorkflowValidationException">The definition or the input is not valid.</exception>
    /// <exception cref="AdmissionRejectedException">Too many executions are active, or the engine is stopping.</exception>
    /// <exception cref="StoreUnavailableException">The store cannot write (disk full, read-only, input/output error); nothing was kept.</exception>
    /// <exception cref="ArgumentException">The command's namespace is not a valid namespace name.</exception>
    public async Task<CreateExecutionResult> SubmitAsync(SubmitExecution command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!_started)
        {
            throw new InvalidOperationException("Call WorkflowEngine.StartAsync before submitting executions.");
        }

        var executionNamespace = Namespaces.ExecutionNamespace.OrDefault(command.Namespace);
        if (Namespaces.ExecutionNamespace.Problem(executionNamespace) is { } namespaceProblem)
        {
            throw new ArgumentException($"The namespace '{executionNamespace}' {namespaceProblem}", nameof(command));
        }

        var definition = command.Definition ?? new WorkflowDefinition();
        var result = _validator.ValidateSubmission(definition, command.Input, out var compiled);
        if (!result.IsValid || compiled is null)
        {
            throw new WorkflowValidationException(result);
        }

        if (_stopRequested)
        {
            throw new AdmissionRejectedException("The engine is stopping; submit again once it has restarted.");
        }

        if (Interlocked.Increment(ref _activeCount) > MaxActiveExecutions)
        {
            Interlocked.Decrement(ref _activeCount);
            throw new AdmissionRejectedException(MaxActiveExecutions);
        }

        ExecutionRuntime runtime;
        CreateExecutionResult created;
        var id = Guid.CreateVersion7(_time.GetUtcNow()).ToString("N");
        var arriving = false;
        try
        {
            var now = _time.GetUtcNow();
            var submitted = new ExecutionEvent
            {
                ExecutionId = id,
                Sequence = 1,
                Time = Timestamp.FromDateTimeOffset(now),
                Submitted = new ExecutionSubmitted
                {
                    Definition = definition,
                    Input = command.Input ?? new Struct(),
                    IdempotencyKey = command.IdempotencyKey ?? string.Empty,
                    Namespace = executionNamespace,
                    WorkflowVersion = command.WorkflowVersion,
                    ParentExecutionId = command.Parent?.ExecutionId ?? string.Empty,
                    ParentStepId = command.Parent?.StepId ?? string.Empty,
                    Depth = command.Parent?.Depth ?? 0,
                    ScheduleId = command.Schedule?.ScheduleId ?? string.Empty,
                    ScheduleTime = command.Schedule is { } schedule ? Timestamp.FromDateTimeOffset(schedule.Time) : null,
                },
            };
            if (command.Labels is { Count: > 0 } labels)
            {
                foreach (var (key, value) in labels)
                {
                    submitted.Submitted.Labels[key] = value;
                }
            }

            ExecutionLease? lease = null;
            if (_replicas is not null)
            {
                lock (_gate)
                {
                    arriving = _arriving.Add(id);
                }

                (created, lease) = await _replicas.CreateOwnedAsync(submitted, _owner, _replicaOptions.LeaseDuration, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                created = await _store.CreateAsync(submitted, cancellationToken).ConfigureAwait(false);
            }

            _committer.StoreWrote();
            if (created.Existing)
            {
                Interlocked.Decrement(ref _activeCount);
                Arrived(id, arriving);
                return created;
            }

            var fold = new ExecutionStateFold();
            fold.Apply(submitted, compiled);
            runtime = NewRuntime(id, compiled, fold);
            runtime.DurableSequence = 1;
            runtime.Lease = lease;
        }
        catch (StoreUnavailableException e)
        {
            Interlocked.Decrement(ref _activeCount);
            _committer.StoreFailed(e);
            Arrived(id, arriving);
            throw;
        }
        catch
        {
            Interlocked.Decrement(ref _activeCount);
            Arrived(id, arriving);
            throw;
        }

        Log.ExecutionSubmitted(_logger, runtime.Id, definition.Id, compiled.Graph.Count);
        Activate(runtime, static (machine, now) => machine.Start(now));
        return created;
    }

    /// <summary>
    /// Puts a runtime in <see cref="_active"/> and runs its first command (start, or resume after a takeover);
    /// a throw fails the execution with the reason. Then schedules and starts the appends.
    /// </summary>
    private void Activate(ExecutionRuntime runtime, Action<ExecutionMachine, DateTimeOffset> first)
    {
        AppendBatch[]? batches;
        lock (_gate)
        {
            _active.Add(runtime.Id, runtime);
            _arriving.Remove(runtime.Id);
            ExecutionTracing.StartExecution(runtime);
            Admit(runtime, first);
            _pump.Pump();
            batches = _committer.TakeDirty();
        }

        _committer.StartAppends(batches);
    }

    /// <summary>Returns an execution's state with its figures, or null when it does not exist.</summary>
    public Task<Execution?> GetExecutionAsync(string executionId, CancellationToken cancellationToken = default)
        => GetExecutionAsync(executionId, ExecutionView.Full, cancellationToken);

    /// <summary>
    /// Returns an execution's state with its figures, or null when it does not exist. With
    /// <see cref="ExecutionView.Summary"/> the definition, the workflow input, the result, the steps'
    /// outputs and their attempt histories are left out (the figures are computed before).
    /// </summary>
    public async Task<Execution?> GetExecutionAsync(string executionId, ExecutionView view, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executionId);
        Execution? execution = null;
        CompiledWorkflow? compiled = null;
        lock (_gate)
        {
            if (_active.TryGetValue(executionId, out var runtime))
            {
                execution = runtime.Fold.Execution.Clone();
                compiled = runtime.Compiled;
            }
        }

        if (execution is null)
        {
            var fold = await ExecutionLoader.LoadAsync(_store, executionId, cancellationToken).ConfigureAwait(false);
            if (fold is null)
            {
                return null;
            }

            execution = fold.Execution;
        }

        execution.Figures = FiguresCalculator.Compute(execution, _time.GetUtcNow(), compiled);
        if (view == ExecutionView.Summary)
        {
            Summarize(execution);
        }

        return execution;
    }

    private static void Summarize(Execution execution)
    {
        execution.Definition = null;
        execution.Input = null;
        execution.Result = null;
        foreach (var step in execution.Steps)
        {
            step.Output = null;
            step.AttemptHistory.Clear();
        }
    }

    /// <summary>
    /// The namespace of an execution, or null when it does not exist; for callers that must check
    /// a credential's scope before acting on an execution by id.
    /// </summary>
    public async Task<string?> GetNamespaceAsync(string executionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executionId);
        lock (_gate)
        {
            if (_active.TryGetValue(executionId, out var runtime))
            {
                return runtime.Fold.Execution.Namespace;
            }
        }

        var record = await _store.GetAsync(executionId, cancellationToken).ConfigureAwait(false);
        return record?.Namespace;
    }

    /// <summary>Lists executions of one namespace (<see cref="ExecutionQuery.Namespace"/>), newest first, in pages.</summary>
    public async Task<ExecutionPage> ListExecutionsAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
        => await _store.ListAsync(query, cancellationToken).ConfigureAwait(false);

    /// <summary>Cancels an execution; returns its state after the request (CANCELLED, or the terminal state it already had).</summary>
    /// <remarks>Returns once the cancel request is durable; in-flight attempts are then cancelled through the dispatcher's token.</remarks>
    /// <exception cref="ExecutionNotFoundException">The execution does not exist.</exception>
    public async Task<ExecutionState> CancelAsync(string executionId, string? reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executionId);
        TaskCompletionSource? durable = null;
        ExecutionState? state = null;
        lock (_gate)
        {
            if (_active.TryGetValue(executionId, out var runtime) && !runtime.Closed)
            {
                if (runtime.Finishing)
                {
                    state = runtime.Fold.Execution.State;
                }
                else
                {
                    durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    var now = _time.GetUtcNow();
                    try
                    {
                        runtime.Machine.Cancel(string.IsNullOrWhiteSpace(reason) ? "cancelled by a client" : reason, now);
                    }
                    catch (Exception e)
                    {
                        Fault(runtime, e, now);
                    }

                    Absorb(runtime, now);
                    Signal(runtime, durable);
                }
            }
        }

        if (durable is not null)
        {
            _committer.Drain();
            await durable.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return ExecutionState.Cancelled;
        }

        if (state is { } known)
        {
            return known;
        }

        if (IsReplica)
        {
            return await CancelElsewhereAsync(executionId, reason, cancellationToken).ConfigureAwait(false);
        }

        var record = await _store.GetAsync(executionId, cancellationToken).ConfigureAwait(false)
            ?? throw new ExecutionNotFoundException(executionId);
        return record.State;
    }

    /// <summary>Runs a FAILED or CANCELLED execution's failed, skipped and cancelled steps again, keeping the outputs of the steps that succeeded; returns their ids.</summary>
    /// <exception cref="ExecutionNotFoundException">The execution does not exist.</exception>
    /// <exception cref="ExecutionStateConflictException">The execution is not FAILED or CANCELLED.</exception>
    public async Task<IReadOnlyList<string>> RetryAsync(string executionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executionId);
        ExecutionRuntime? finishing = null;
        lock (_gate)
        {
            if (_active.TryGetValue(executionId, out var runtime))
            {
                if (!runtime.Finishing)
                {
                    throw new ExecutionStateConflictException(executionId, runtime.Fold.Execution.State, $"Execution '{executionId}' is {runtime.Fold.Execution.State}; only a FAILED or CANCELLED execution can be retried.");
                }

                finishing = runtime;
            }
        }

        if (finishing is not null)
        {
            await finishing.Removed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var fold = await ExecutionLoader.LoadAsync(_store, executionId, cancellationToken).ConfigureAwait(false) ?? throw new ExecutionNotFoundException(executionId);
        var current = fold.Execution.State;
        if (current is not (ExecutionState.Failed or ExecutionState.Cancelled))
        {
            throw new ExecutionStateConflictException(executionId, current, $"Execution '{executionId}' is {current}; only a FAILED or CANCELLED execution can be retried.");
        }

        var compiled = _validator.Compile(fold.Execution.Definition)
            ?? throw new ExecutionStateConflictException(executionId, current, $"Execution '{executionId}' has a definition that is no longer valid under the engine's limits.");
        if (Interlocked.Increment(ref _activeCount) > MaxActiveExecutions)
        {
            Interlocked.Decrement(ref _activeCount);
            throw new AdmissionRejectedException(MaxActiveExecutions);
        }

        ExecutionLease? lease = null;
        if (_replicas is not null)
        {
            // A finished execution's lease can be taken by one replica; its appends are fenced like any.
            lease = await _replicas.TryAcquireAsync(executionId, _owner, _replicaOptions.LeaseDuration, cancellationToken).ConfigureAwait(false);
            var reloaded = lease is null ? null : await ExecutionLoader.LoadAsync(_store, executionId, cancellationToken).ConfigureAwait(false);
            if (reloaded is null || reloaded.Execution.State is not (ExecutionState.Failed or ExecutionState.Cancelled))
            {
                Interlocked.Decrement(ref _activeCount);
                throw new ExecutionStateConflictException(executionId, ExecutionState.Running, $"Execution '{executionId}' is being retried by another replica.");
            }

            fold = reloaded;
        }

        var retried = NewRuntime(executionId, compiled, fold);
        retried.Lease = lease;
        List<string> ids;
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (!_active.TryAdd(executionId, retried))
            {
                Interlocked.Decrement(ref _activeCount);
                throw new ExecutionStateConflictException(executionId, ExecutionState.Running, $"Execution '{executionId}' is already being retried.");
            }

            ExecutionTracing.StartExecution(retried);
            var now = _time.GetUtcNow();
            ids = retried.Machine.Retry(now);
            Absorb(retried, now);
            Signal(retried, durable);
            _pump.Pump();
        }

        _committer.Drain();
        await durable.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return ids;
    }

    /// <summary>
    /// Reloads every unfinished execution from the store and continues it: in-flight attempts are
    /// dispatched again with the same idempotency key, retry timers resume at their recorded due
    /// time. Then starts scheduling.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            return;
        }

        _dispatcher.CapacityAvailable += OnCapacityAvailable;
        if (IsReplica)
        {
            // Replicas do not recover everything unfinished: they claim what nobody owns, tick by tick.
            _started = true;
            StartReplica();
        }
        else
        {
            var recovery = new ExecutionRecovery(_store, _validator, _time, _logger);
            var recovered = await recovery.RecoverAsync(Resume, DropRecovered, cancellationToken).ConfigureAwait(false);
            _started = true;
            Log.Recovered(_logger, recovered);
        }

        lock (_gate)
        {
            AdmitRecovered();
            _pump.Enabled = true;
            _pump.Pump();
        }

        _committer.Drain();
    }

    /// <summary>
    /// Stops admitting executions and dispatching steps, lets in-flight attempts finish until
    /// <paramref name="cancellationToken"/> fires, then cancels the rest (they stay in flight in
    /// the log and are dispatched again at the next start) and waits for pending appends.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _stopRequested = true;
            _pump.Enabled = false;
            CheckDrained();
        }

        _dispatcher.CapacityAvailable -= OnCapacityAvailable;
        try
        {
            await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await _drained.Task.WaitAsync(StopGrace, _time, CancellationToken.None).ConfigureAwait(false);
        }

        lock (_gate)
        {
            foreach (var runtime in _active.Values)
            {
                DisposeTimers(runtime);
            }
        }

        if (IsReplica)
        {
            await StopReplicaAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stopRequested)
        {
            try
            {
                await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Attempts that ignore cancellation cannot hold disposal forever.
            }
        }

        lock (_gate)
        {
            _flow.Dispose();
            _committer.Dispose();
        }

        _metrics.Dispose();
        _stopping.Dispose();
        _replicaStop.Dispose();
    }

    bool ICommitHost.Act(ExecutionRuntime runtime, PendingAction[] actions)
    {
        var finishes = false;
        foreach (var action in actions)
        {
            switch (action.Kind)
            {
                case PendingActionKind.Dispatch:
                    Interlocked.Decrement(ref action.InTransit!.Value);
                    _runner.Start(runtime, action.Step, action.Attempt, action.Request!);
                    break;
                case PendingActionKind.Signal:
                    action.Signal!.TrySetResult();
                    break;
                case PendingActionKind.CancelAttempts:
                    runtime.Cancellation.Cancel();
                    break;
                case PendingActionKind.Finish:
                    finishes = true;
                    break;
                case PendingActionKind.StartChild:
                    StartChild(runtime, action.Step, action.Request!);
                    break;
            }
        }

        return finishes;
    }

    void ICommitHost.Close(ExecutionRuntime runtime) => Close(runtime);

    void ICommitHost.Finish(ExecutionRuntime runtime)
    {
        ExecutionTracing.FinishExecution(runtime);
        Log.ExecutionFinished(_logger, runtime.Id, runtime.Fold.Execution.State);
        runtime.Dispatch.Dispose();
        runtime.Cancellation.Dispose();
        runtime.Removed.TrySetResult();
    }

    void ICommitHost.Abandon(ExecutionRuntime runtime, PendingAction[] actions, Exception failure)
    {
        foreach (var action in actions)
        {
            switch (action.Kind)
            {
                case PendingActionKind.Dispatch:
                    Interlocked.Decrement(ref action.InTransit!.Value);
                    _pump.AttemptAbandoned();
                    _pump.FlowAttemptEnded(runtime, action.Step);
                    break;
                case PendingActionKind.Signal:
                    action.Signal!.TrySetException(failure);
                    break;
            }
        }

        _pump.Clear(runtime);
        DisposeTimers(runtime);
        Close(runtime, failure);
        _pump.Pump();
    }

    void ICommitHost.CheckDrained() => CheckDrained();

    bool ICommitHost.MayHoldStarts(ExecutionRuntime runtime) => runtime.Lease is null || _time.GetUtcNow().UtcTicks < Volatile.Read(ref _leasesFreshUntil);

    /// <summary>A submitted execution is in <see cref="_active"/> (or will never be): the replica loop may judge it.</summary>
    private void Arrived(string id, bool arriving)
    {
        if (arriving)
        {
            lock (_gate)
            {
                _arriving.Remove(id);
            }
        }
    }

    private ExecutionRuntime NewRuntime(string id, CompiledWorkflow compiled, ExecutionStateFold fold)
    {
        var runtime = new ExecutionRuntime(new ExecutionMachine(id, compiled, fold, _options) { Secrets = _secrets }, _stopping.Token);
        runtime.DurableSequence = fold.Execution.LastSequence;
        if (compiled.Flow is { } flow)
        {
            runtime.Flow = flow.Resolve(fold.Execution.Input, fold.Execution.Namespace);
        }

        return runtime;
    }

    /// <summary>Continues a recovered execution (from <see cref="ExecutionRecovery"/>, before scheduling starts).</summary>
    private void Resume(string id, CompiledWorkflow compiled, ExecutionStateFold fold)
    {
        var runtime = NewRuntime(id, compiled, fold);
        Interlocked.Increment(ref _activeCount);
        lock (_gate)
        {
            _active.Add(id, runtime);
            ExecutionTracing.StartExecution(runtime);
            Admit(runtime, static (machine, now) => machine.Resume(now));
        }
    }

    /// <summary>Removes an execution recovery could not continue (it may have been added already). Before scheduling starts.</summary>
    private void DropRecovered(string id)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(id, out var runtime))
            {
                _pump.Clear(runtime);
                DisposeTimers(runtime);
                runtime.Machine.Events.Clear();
                runtime.Machine.Actions.Clear();
                runtime.PendingActions.Clear();
                Close(runtime);
            }
        }
    }

    /// <summary>
    /// The pump dequeued a step: the execution's machine starts its attempt. An exception fails the
    /// step (or, failing that, the execution) with the reason instead of escaping into the pump. Under the lock.
    /// </summary>
    private void StartAttempt(ExecutionRuntime runtime, int step)
    {
        var now = _time.GetUtcNow();
        try
        {
            runtime.Machine.StartAttempt(step, now);
        }
        catch (Exception e)
        {
            var stepId = runtime.Compiled.Graph.Ids[step];
            Log.StepFaulted(_logger, runtime.Id, stepId, e);
            var reason = $"the engine could not start step '{stepId}': {e.Message}";
            try
            {
                runtime.Machine.FailStep(step, new StepError { Code = "INTERNAL", Message = reason, Retryable = false }, now);
            }
            catch (Exception again)
            {
                Fault(runtime, again, now);
            }
        }

        Absorb(runtime, now);
    }

    /// <summary>
    /// Runs one command on an execution's machine and carries out what it decided (<see cref="Absorb"/>); a throw
    /// fails that execution with the reason (<see cref="Fault"/>). Under the lock.
    /// </summary>
    private void Decide(ExecutionRuntime runtime, Action<ExecutionMachine, DateTimeOffset> command)
    {
        var now = _time.GetUtcNow();
        try
        {
            command(runtime.Machine, now);
        }
        catch (Exception e)
        {
            Fault(runtime, e, now);
        }

        Absorb(runtime, now);
    }

    /// <summary>
    /// A command threw while deciding for one execution: that execution fails with the reason; the
    /// exception never escapes into the lock holder, a detached task or recovery. Under the lock.
    /// </summary>
    private void Fault(ExecutionRuntime runtime, Exception exception, DateTimeOffset now)
    {
        Log.ExecutionFaulted(_logger, runtime.Id, exception);
        runtime.Machine.Fault($"the engine could not schedule the execution: {exception.Message}", now);
    }

    /// <summary>An attempt's call ended (from <see cref="AttemptRunner"/>, outside the lock).</summary>
    private void OnAttemptCompleted(ExecutionRuntime runtime, int step, int attempt, StepAttemptResult? result, AttemptOutcome outcome, TimeSpan elapsed)
    {
        AppendBatch[]? batches;
        lock (_gate)
        {
            if (runtime.FlowHeld is not null)
            {
                _pump.FlowAttemptEnded(runtime, step);
            }

            _pump.AttemptEnded(runtime);
            if (!runtime.Closed)
            {
                var now = _time.GetUtcNow();
                try
                {
                    if (runtime.Machine.CompleteAttempt(step, attempt, result, outcome, _jitter.NextDouble(), now))
                    {
                        _metrics.Duration.Record(elapsed.TotalSeconds);
                    }
                }
                catch (Exception e)
                {
                    Fault(runtime, e, now);
                }

                Absorb(runtime, now);
            }

            _pump.Pump();
            batches = _committer.TakeDirty();

            // After the outcome's events are handed to the committer: a stopping engine waits for their append.
            CheckDrained();
        }

        _committer.StartAppends(batches);
    }

    private void OnTimerDue(ExecutionRuntime runtime, int step, int attempt, TimerPurpose purpose)
    {
        AppendBatch[]? batches;
        lock (_gate)
        {
            if (runtime.Timers?.Remove((step, purpose), out var timer) == true)
            {
                timer.Dispose();
            }

            if (runtime.Closed)
            {
                return;
            }

            if (purpose == TimerPurpose.ExecutorWait)
            {
                // A step being sent again is judged when that send comes back (the machine checks the deadline then).
                if (!runtime.Parked[step])
                {
                    return;
                }

                runtime.Parked[step] = false;
            }

            Decide(runtime, (machine, now) => machine.TimerDue(step, attempt, purpose, now));
            _pump.Pump();
            batches = _committer.TakeDirty();
        }

        _committer.StartAppends(batches);
    }

    private void OnCapacityAvailable(object? sender, EventArgs e)
    {
        // Raised on every finished call: with no READY step queued there is nothing capacity could
        // start, so skip the lock. Pairs with the fence in the pump's capacity check: a step queued
        // concurrently either sees the freed slot there or is counted here.
        if (!_pump.HasReadySteps && Volatile.Read(ref _waitingForExecutor.Count) == 0)
        {
            return;
        }

        AppendBatch[]? batches;
        lock (_gate)
        {
            ReleaseReachable();
            _pump.Pump();
            batches = _committer.TakeDirty();
        }

        _committer.StartAppends(batches);
    }

    /// <summary>
    /// Carries out what the machine decided since the last call: immediate actions now (queue,
    /// timers), deferred ones after the append of the events before them; metrics and tracing
    /// follow the new events. Under the lock.
    /// </summary>
    private void Absorb(ExecutionRuntime runtime, DateTimeOffset now)
    {
        var machine = runtime.Machine;
        var events = machine.Events;
        for (var i = runtime.Observed; i < events.Count; i++)
        {
            Observe(runtime, events[i]);
        }

        runtime.Observed = events.Count;
        var actions = machine.Actions;
        foreach (var action in actions)
        {
            switch (action.Kind)
            {
                case MachineActionKind.Enqueue:
                    _pump.Enqueue(runtime, action.Step);
                    break;
                case MachineActionKind.StartTimer:
                    StartTimer(runtime, action.Step, action.Attempt, action.Timer, action.Due > now ? action.Due - now : TimeSpan.Zero);
                    break;
                case MachineActionKind.AwaitExecutor:
                    var stepType = runtime.Compiled.Graph.Steps[action.Step].Type;
                    var executionNamespace = runtime.Fold.Execution.Namespace;
                    if (_dispatcher.IsReachable(stepType, executionNamespace))
                    {
                        // Reachable again already (it came back while this result was on its way): send at once.
                        _pump.Enqueue(runtime, action.Step);
                    }
                    else
                    {
                        _waitingForExecutor.Add(stepType, executionNamespace, runtime, action.Step);
                    }

                    break;
                case MachineActionKind.StopScheduling:
                    _pump.Clear(runtime);
                    DisposeTimers(runtime);
                    break;
                case MachineActionKind.Dispatch:
                    var inTransit = _pump.AttemptDecided(runtime.Compiled.Graph.Steps[action.Step].Type);
                    ExecutionTracing.StartStep(runtime, action.Step);
                    _metrics.Started.Add(1);
                    runtime.PendingActions.Add(new PendingAction(PendingActionKind.Dispatch, action.Step, action.Attempt, action.Request, null, inTransit));
                    break;
                case MachineActionKind.CancelAttempts:
                    runtime.PendingActions.Add(new PendingAction(PendingActionKind.CancelAttempts, -1, 0, null, null));
                    break;
                case MachineActionKind.Finish:
                    runtime.PendingActions.Add(new PendingAction(PendingActionKind.Finish, -1, 0, null, null));
                    break;
                case MachineActionKind.StartChild:
                    runtime.PendingActions.Add(new PendingAction(PendingActionKind.StartChild, action.Step, 0, action.Request, null));
                    break;
            }
        }

        actions.Clear();
        if (events.Count > 0 || runtime.PendingActions.Count > 0)
        {
            _committer.MarkDirty(runtime);
        }
    }

    /// <summary>Metrics, logs and step activities that follow one new event. Under the lock.</summary>
    private void Observe(ExecutionRuntime runtime, ExecutionEvent e)
    {
        switch (e.KindCase)
        {
            case ExecutionEvent.KindOneofCase.StepSucceeded:
                _metrics.Succeeded.Add(1);
                StopStep(runtime, e.StepSucceeded.StepId, succeeded: true);
                break;
            case ExecutionEvent.KindOneofCase.StepFailed:
                _metrics.Failed.Add(1);
                StopStep(runtime, e.StepFailed.StepId, succeeded: false);
                break;
            case ExecutionEvent.KindOneofCase.StepSkipped:
                StopStep(runtime, e.StepSkipped.StepId, succeeded: false);
                break;
            case ExecutionEvent.KindOneofCase.StepCancelled:
                StopStep(runtime, e.StepCancelled.StepId, succeeded: false);
                CancelChildOf(runtime, e.StepCancelled.StepId);
                break;
            case ExecutionEvent.KindOneofCase.AwaitingExecutor when e.AwaitingExecutor.Wait.Since.Equals(e.Time):
                Log.AwaitingExecutor(_logger, runtime.Id, e.AwaitingExecutor.StepId, e.AwaitingExecutor.Wait.Reason);
                break;
            case ExecutionEvent.KindOneofCase.AttemptFailed when e.AttemptFailed.WillRetry:
                _metrics.Retried.Add(1);
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    var failed = e.AttemptFailed;
                    var delay = failed.RetryDelay.ToTimeSpan();
                    Log.AttemptRetry(_logger, runtime.Id, failed.StepId, failed.Attempt, failed.Error.Code, delay);
                }

                break;
        }

        static void StopStep(ExecutionRuntime runtime, string stepId, bool succeeded)
        {
            if (runtime.StepActivities is not null)
            {
                ExecutionTracing.StopStep(runtime, runtime.Compiled.Graph.Index[stepId], succeeded);
            }
        }
    }

    private void Signal(ExecutionRuntime runtime, TaskCompletionSource durable)
    {
        runtime.PendingActions.Add(new PendingAction(PendingActionKind.Signal, -1, 0, null, durable));
        _committer.MarkDirty(runtime);
    }

    private void StartTimer(ExecutionRuntime runtime, int step, int attempt, TimerPurpose purpose, TimeSpan delay)
    {
        runtime.Timers ??= [];
        if (runtime.Timers.Remove((step, purpose), out var old))
        {
            old.Dispose();
        }

        var state = new TimerDue(this, runtime, step, attempt, purpose);
        runtime.Timers[(step, purpose)] = _time.CreateTimer(static s => ((TimerDue)s!).Fire(), state, delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Sends again the parked steps whose type the dispatcher says is reachable for their namespace. Under the lock.</summary>
    private void ReleaseReachable()
    {
        if (_waitingForExecutor.Count == 0 || _waitingForExecutor.TakeReachable(_isReachable) is not { } released)
        {
            return;
        }

        foreach (var (runtime, step) in released)
        {
            if (!runtime.Closed && !runtime.Finishing && runtime.Fold.Steps[step].State == StepState.Ready && !runtime.Queued[step])
            {
                _pump.Enqueue(runtime, step);
            }
        }
    }

    private static void DisposeTimers(ExecutionRuntime runtime)
    {
        if (runtime.Timers is { Count: > 0 } timers)
        {
            foreach (var timer in timers.Values)
            {
                timer.Dispose();
            }

            timers.Clear();
        }
    }

    /// <summary>Removes an execution and ends its watchers: after its terminal event, or with <paramref name="failure"/>. Under the lock.</summary>
    private void Close(ExecutionRuntime runtime, Exception? failure = null)
    {
        runtime.Closed = true;
        if (runtime.ExecutionKey is not null)
        {
            ReleaseExecution(runtime);
        }

        if (_active.Remove(runtime.Id))
        {
            Interlocked.Decrement(ref _activeCount);
        }

        foreach (var watcher in runtime.Watchers)
        {
            watcher.Channel.Writer.TryComplete(failure);
        }

        runtime.Watchers.Clear();
    }

    private void CheckDrained()
    {
        if (_stopRequested && _pump.Running == 0 && _committer.AppendsInFlight == 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>The state of a timer: which attempt of which step becomes due.</summary>
    private sealed class TimerDue(WorkflowEngine engine, ExecutionRuntime runtime, int step, int attempt, TimerPurpose purpose)
    {
        public void Fire() => engine.OnTimerDue(runtime, step, attempt, purpose);
    }
}
