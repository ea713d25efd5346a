using System.Diagnostics;
using System.Diagnostics.Metrics;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.Engine.Storage;
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
/// Thread-safe. All scheduling decisions happen under one short lock that is never held across
/// an await; the events of one scheduling turn are appended in one <see cref="IExecutionStore.AppendAsync"/>
/// per execution, and appends of different executions are in flight at the same time. Nothing
/// acts on an event (dispatch, watcher, caller) before the store has it.
/// </remarks>
public sealed partial class WorkflowEngine : IAsyncDisposable
{
    private static readonly ActivitySource Source = new(Instrumentation.ActivitySourceName);

    private readonly IExecutionStore _store;
    private readonly IStepDispatcher _dispatcher;
    private readonly EngineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IStepTypeCatalog? _stepTypes;
    private readonly WorkflowValidator _validator;
    private readonly EngineMetrics _metrics;
    private readonly Func<string, bool> _hasCapacity;
    private readonly Func<string, bool> _isReachable;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ExecutionRuntime> _active = new(StringComparer.Ordinal);
    private readonly Queue<ExecutionRuntime> _roundRobin = new();
    private readonly Queue<ExecutionRuntime> _dirty = new();
    private readonly Dictionary<string, InTransitCounter> _inTransit = new(StringComparer.Ordinal);
    private readonly ReadyCounts _ready = new();
    private readonly ExecutorWaitList _waitingForExecutor = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _activeCount;
    private int _running;
    private int _appendsInFlight;
    private bool _started;
    private bool _stopRequested;

    /// <summary>How often a recovery read is tried while the store fails before the start fails (about 30 s of backoff).</summary>
    private const int MaxRecoveryReadTries = 10;

    /// <summary>Creates an engine. Call <see cref="StartAsync"/> before submitting.</summary>
    /// <param name="store">Where events are persisted.</param>
    /// <param name="dispatcher">Runs step attempts.</param>
    /// <param name="options">Limits and defaults.</param>
    /// <param name="timeProvider">The clock of backoff delays, timeouts and event times.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="stepTypes">The registry hook of validation; null when every type is served.</param>
    /// <param name="meterFactory">Creates the engine's meter; null for a meter of its own.</param>
    public WorkflowEngine(
        IExecutionStore store,
        IStepDispatcher dispatcher,
        IOptions<EngineOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IStepTypeCatalog? stepTypes = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _store = store;
        _dispatcher = dispatcher;
        _options = options.Value;
        _time = timeProvider;
        _logger = loggerFactory.CreateLogger<WorkflowEngine>();
        _stepTypes = stepTypes;
        _validator = new WorkflowValidator(_options);
        _hasCapacity = CanDispatch;
        _isReachable = _dispatcher.IsReachable;
        _metrics = new EngineMetrics(meterFactory, () => ReadyQueueDepth, () => ActiveExecutionCount);
    }

    /// <summary>The number of executions that are not finished.</summary>
    public int ActiveExecutionCount => Volatile.Read(ref _activeCount);

    /// <summary>
    /// The storage error of the last failed write while the store cannot write; null once a write
    /// succeeds. Meanwhile executions wait in memory and their appends are retried.
    /// </summary>
    public Exception? StoreFailure => Volatile.Read(ref _storeFailure);

    /// <summary>The number of READY steps waiting for capacity, over every execution.</summary>
    public int ReadyQueueDepth => Volatile.Read(ref _ready.Total);

    /// <summary>Validates a definition: every problem with its field path, the registry check, and the plan.</summary>
    public WorkflowValidationResult Validate(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return _validator.Validate(definition, _stepTypes, out _);
    }

    /// <summary>Validates, persists and starts an execution; returns once it is durable.</summary>
    /// <exception cref="WorkflowValidationException">The definition or the input is not valid.</exception>
    /// <exception cref="AdmissionRejectedException">Too many executions are active, or the engine is stopping.</exception>
    /// <exception cref="StoreUnavailableException">The store cannot write (disk full, read-only, input/output error); nothing was kept.</exception>
    public async Task<CreateExecutionResult> SubmitAsync(SubmitWorkflowRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_started)
        {
            throw new InvalidOperationException("Call WorkflowEngine.StartAsync before submitting executions.");
        }

        var definition = request.Definition ?? new WorkflowDefinition();
        var result = _validator.Validate(definition, _stepTypes, out var compiled);
        var inputProblems = CheckWorkflowInput(request.Input);
        if (inputProblems.Count > 0)
        {
            result = new WorkflowValidationResult([.. result.Problems, .. inputProblems], result.UnservedStepTypes, result.Plan);
        }

        if (!result.IsValid || compiled is null)
        {
            throw new WorkflowValidationException(result);
        }

        if (_stopRequested)
        {
            throw new AdmissionRejectedException("The engine is stopping; submit again once it has restarted.");
        }

        if (Interlocked.Increment(ref _activeCount) > _options.MaxActiveExecutions)
        {
            Interlocked.Decrement(ref _activeCount);
            throw new AdmissionRejectedException(_options.MaxActiveExecutions);
        }

        ExecutionRuntime runtime;
        CreateExecutionResult created;
        try
        {
            var now = _time.GetUtcNow();
            var id = Guid.CreateVersion7(now).ToString("N");
            var submitted = new ExecutionEvent
            {
                ExecutionId = id,
                Sequence = 1,
                Time = Timestamp.FromDateTimeOffset(now),
                Submitted = new ExecutionSubmitted
                {
                    Definition = definition,
                    Input = request.Input ?? new Struct(),
                    IdempotencyKey = request.IdempotencyKey,
                },
            };
            submitted.Submitted.Labels.Add(request.Labels);
            created = await _store.CreateAsync(submitted, cancellationToken).ConfigureAwait(false);
            StoreWrote();
            if (created.Existing)
            {
                Interlocked.Decrement(ref _activeCount);
                return created;
            }

            var fold = new ExecutionStateFold();
            fold.Apply(submitted, compiled.Plan.TopologicalOrder);
            runtime = new ExecutionRuntime(id, compiled, fold, _stopping.Token) { LastSequence = 1, DurableSequence = 1 };
        }
        catch (StoreUnavailableException e)
        {
            Interlocked.Decrement(ref _activeCount);
            StoreFailed(e);
            throw;
        }
        catch
        {
            Interlocked.Decrement(ref _activeCount);
            throw;
        }

        Log.ExecutionSubmitted(_logger, runtime.Id, definition.Id, compiled.Graph.Count);
        AppendBatch[]? batches;
        lock (_gate)
        {
            _active.Add(runtime.Id, runtime);
            StartActivity(runtime);
            BeginExecution(runtime);
            batches = TakeDirty();
        }

        StartAppends(batches);
        return created;
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
            var fold = await LoadAsync(executionId, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Lists executions, newest first, in pages.</summary>
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
                    RequestCancel(runtime, string.IsNullOrWhiteSpace(reason) ? "cancelled by a client" : reason, durable);
                }
            }
        }

        if (durable is not null)
        {
            DrainDirty();
            await durable.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return ExecutionState.Cancelled;
        }

        if (state is { } known)
        {
            return known;
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

        var fold = await LoadAsync(executionId, cancellationToken).ConfigureAwait(false) ?? throw new ExecutionNotFoundException(executionId);
        var current = fold.Execution.State;
        if (current is not (ExecutionState.Failed or ExecutionState.Cancelled))
        {
            throw new ExecutionStateConflictException(executionId, current, $"Execution '{executionId}' is {current}; only a FAILED or CANCELLED execution can be retried.");
        }

        _validator.Validate(fold.Execution.Definition, null, out var compiled);
        if (compiled is null)
        {
            throw new ExecutionStateConflictException(executionId, current, $"Execution '{executionId}' has a definition that is no longer valid under the engine's limits.");
        }

        if (Interlocked.Increment(ref _activeCount) > _options.MaxActiveExecutions)
        {
            Interlocked.Decrement(ref _activeCount);
            throw new AdmissionRejectedException(_options.MaxActiveExecutions);
        }

        var runtime2 = Rehydrate(executionId, compiled, fold);
        var ids = new List<string>();
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (!_active.TryAdd(executionId, runtime2))
            {
                Interlocked.Decrement(ref _activeCount);
                throw new ExecutionStateConflictException(executionId, ExecutionState.Running, $"Execution '{executionId}' is already being retried.");
            }

            StartActivity(runtime2);
            BeginRetry(runtime2, ids, durable);
        }

        DrainDirty();
        await durable.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return ids;
    }

    /// <summary>
    /// A recovery read, retried with backoff while the store fails (<see cref="StoreUnavailableException"/>)
    /// up to <see cref="MaxRecoveryReadTries"/> times; then the start fails rather than go on without
    /// an acknowledged execution.
    /// </summary>
    private async Task<T> ReadForRecoveryAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        var delay = FirstAppendRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read().ConfigureAwait(false);
            }
            catch (StoreUnavailableException e) when (attempt < MaxRecoveryReadTries)
            {
                Log.RecoveryReadRetry(_logger, attempt, delay, e);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = delay * 2 < MaxAppendRetryDelay ? delay * 2 : MaxAppendRetryDelay;
            }
        }
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
        var ids = await ReadForRecoveryAsync(() => _store.ListActiveAsync(cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
        var recovered = 0;
        foreach (var id in ids)
        {
            try
            {
                var fold = await ReadForRecoveryAsync(() => LoadAsync(id, cancellationToken), cancellationToken).ConfigureAwait(false);
                if (fold is null || fold.IsFinished)
                {
                    continue;
                }

                _validator.Validate(fold.Execution.Definition, null, out var compiled);
                if (compiled is null)
                {
                    throw new InvalidOperationException($"The definition of execution '{id}' is not valid under the current limits.");
                }

                var runtime = Rehydrate(id, compiled, fold);
                Interlocked.Increment(ref _activeCount);
                lock (_gate)
                {
                    _active.Add(id, runtime);
                    StartActivity(runtime);
                    Resume(runtime);
                }

                recovered++;
            }
            catch (Exception e) when (e is not (OperationCanceledException or StoreUnavailableException))
            {
                await MarkUnrecoverableAsync(id, e, cancellationToken).ConfigureAwait(false);
            }
        }

        _started = true;
        Log.Recovered(_logger, recovered);
        lock (_gate)
        {
            Pump();
        }

        DrainDirty();
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
            await _drained.Task.WaitAsync(TimeSpan.FromSeconds(30), TimeProvider.System, CancellationToken.None).ConfigureAwait(false);
        }

        lock (_gate)
        {
            foreach (var runtime in _active.Values)
            {
                DisposeTimers(runtime);
            }
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

        _metrics.Dispose();
        _stopping.Dispose();
    }

    private List<ValidationProblem> CheckWorkflowInput(Struct? input)
    {
        var problems = new List<ValidationProblem>();
        if (input is null)
        {
            return problems;
        }

        var size = input.CalculateSize();
        if (size > _options.Limits.MaxPayloadBytes)
        {
            problems.Add(new ValidationProblem { Field = "input", Description = $"the workflow input is {size} bytes; the limit is {_options.Limits.MaxPayloadBytes} bytes (WorkflowLimits.MaxPayloadBytes)" });
        }

        if (Depth(input) > _options.Limits.MaxInputDepth)
        {
            problems.Add(new ValidationProblem { Field = "input", Description = $"the workflow input is nested more than {_options.Limits.MaxInputDepth} levels deep (WorkflowLimits.MaxInputDepth)" });
        }

        ValueCheck.Walk(input, "input", (field, description) => problems.Add(new ValidationProblem { Field = field, Description = description }));

        return problems;

        static int Depth(Struct s) => 1 + s.Fields.Values.Select(ValueDepth).DefaultIfEmpty(0).Max();
        static int ValueDepth(Value v) => v.KindCase switch
        {
            Value.KindOneofCase.StructValue => Depth(v.StructValue),
            Value.KindOneofCase.ListValue => 1 + v.ListValue.Values.Select(ValueDepth).DefaultIfEmpty(0).Max(),
            _ => 0,
        };
    }

    private async Task<ExecutionStateFold?> LoadAsync(string executionId, CancellationToken cancellationToken)
    {
        var fold = new ExecutionStateFold();
        var any = false;
        await foreach (var e in _store.ReadEventsAsync(executionId, 1, cancellationToken).ConfigureAwait(false))
        {
            fold.Apply(e);
            any = true;
        }

        return any ? fold : null;
    }
}
