using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Committing;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Recovery;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>
/// Replicas: several engines on one shared store (<see cref="IExecutionReplicaStore"/>). Each execution is
/// owned by one replica through a lease whose epoch fences every append. One loop per replica renews every
/// lease it holds (one statement per tick), drops what was taken over, takes over executions whose owner's
/// lease expired or that were released, and carries out commands (cancel, signal) other replicas left for
/// the executions it owns.
/// </summary>
public sealed partial class WorkflowEngine
{
    private static readonly TimeSpan CommandWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(5);

    private readonly IExecutionReplicaStore? _replicas;
    private readonly ReplicaOptions _replicaOptions = new();
    private readonly string _owner = string.Empty;
    private readonly HashSet<string> _arriving = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _replicaStop = new();
    private Task? _replicaLoop;
    private volatile HashSet<string> _servedElsewhere = new(StringComparer.Ordinal);

    // The step types of _servedElsewhere, whatever namespace each is served in: what validation asks.
    private volatile HashSet<string> _typesElsewhere = new(StringComparer.Ordinal);
    private volatile ReplicaShare _share = ReplicaShare.Whole;

    // Until when (UTC ticks) none of this replica's leases can have been taken over, by its last renewal.
    private long _leasesFreshUntil;

    /// <summary>
    /// Raised (on the replica loop) when the number of live replicas or this replica's place among them
    /// changed: limits that hold across replicas (an executor's capacity) are split again.
    /// </summary>
    public event EventHandler<ReplicaShare>? ReplicaShareChanged;

    /// <summary>This replica's part of the limits that hold across replicas; the whole when the engine is not a replica.</summary>
    public ReplicaShare Share => _share;

    /// <summary>The admission limit of unfinished executions on this replica: its share of <see cref="EngineOptions.MaxActiveExecutions"/>.</summary>
    private int MaxActiveExecutions => Share.Of(_options.MaxActiveExecutions);

    /// <summary>The replica's owner name in the leases, or null when the engine is not a replica.</summary>
    public string? ReplicaId => _replicas is null ? null : _owner;

    private bool IsReplica => _replicas is not null;

    /// <summary>Starts the replica loop (instead of start-up recovery: unfinished executions are claimed).</summary>
    private void StartReplica()
    {
        _replicas!.EnableChangeNotifications();
        _replicaLoop = Task.Run(ReplicaLoopAsync);
    }

    /// <summary>After the drain: stops the loop and hands every lease over (others take them at once).</summary>
    private async Task StopReplicaAsync()
    {
        await _replicaStop.CancelAsync().ConfigureAwait(false);
        if (_replicaLoop is not null)
        {
            await _replicaLoop.ConfigureAwait(false);
        }

        try
        {
            using var timeout = new CancellationTokenSource(ReleaseTimeout, _time);
            var released = await _replicas!.ReleaseAllAsync(_owner, timeout.Token).ConfigureAwait(false);
            Log.LeasesReleased(_logger, _owner, released);
        }
        catch (Exception e) when (e is StoreUnavailableException or OperationCanceledException)
        {
            // The leases expire by themselves.
            Log.ReplicaTickFailed(_logger, _owner, e);
        }
    }

    private async Task ReplicaLoopAsync()
    {
        var token = _replicaStop.Token;
        var nextTick = _time.GetUtcNow();
        while (!token.IsCancellationRequested)
        {
            var commanded = _replicas!.WhenCommanded();
            try
            {
                if (_time.GetUtcNow() >= nextTick)
                {
                    nextTick = _time.GetUtcNow() + _replicaOptions.RenewInterval;
                    await RenewAsync(token).ConfigureAwait(false);
                    var heartbeat = await _replicas!.HeartbeatAsync(_owner, _localStepTypes?.ServedTypes ?? [], _replicaOptions.LeaseDuration, token).ConfigureAwait(false);
                    _servedElsewhere = new HashSet<string>(heartbeat.StepTypesElsewhere, StringComparer.Ordinal);
                    _typesElsewhere = new HashSet<string>(heartbeat.StepTypesElsewhere.Select(ServedStepTypes.StepTypeOf), StringComparer.Ordinal);
                    ApplyShare(ReplicaShare.Among(_owner, heartbeat.OtherReplicas));
                    await HandOverUnreachableAsync(token).ConfigureAwait(false);
                    await ClaimAsync(token).ConfigureAwait(false);
                }

                await RunCommandsAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.ReplicaTickFailed(_logger, _owner, e);
            }

            var wait = nextTick - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await commanded.WaitAsync(wait, _time, token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Splits the engine-wide limits again when the live replicas changed: attempts in flight
    /// (<see cref="EngineOptions.MaxParallelSteps"/>) and admission (<see cref="EngineOptions.MaxActiveExecutions"/>),
    /// then tells the executors' side (<see cref="ReplicaShareChanged"/>).
    /// </summary>
    private void ApplyShare(ReplicaShare share)
    {
        lock (_gate)
        {
            if (share == _share)
            {
                return;
            }

            _share = share;
            _pump.MaxParallelSteps = share.Of(_options.MaxParallelSteps);
            _pump.Pump();
        }

        Log.ReplicaShareChanged(_logger, _owner, share.Index, share.Count);
        ReplicaShareChanged?.Invoke(this, share);
    }

    /// <summary>
    /// Renews every held lease; drops the executions taken over by others; resumes those this replica owns
    /// but does not run (an append it gave up on, for example while the store was away).
    /// </summary>
    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var asked = _time.GetUtcNow();
        var held = await _replicas!.RenewAllAsync(_owner, _replicaOptions.LeaseDuration, cancellationToken).ConfigureAwait(false);

        // Every lease of this replica runs at least until asked + LeaseDuration (the store's clock): for half of
        // that, attempts may go out before their starts are stored (EngineOptions.StartRecordDelay).
        Volatile.Write(ref _leasesFreshUntil, (asked + (_replicaOptions.LeaseDuration / 2)).UtcTicks);
        var owned = held.ToDictionary(l => l.ExecutionId, StringComparer.Ordinal);
        var lost = new List<ExecutionRuntime>();
        var orphans = new List<ExecutionLease>();
        lock (_gate)
        {
            foreach (var runtime in _active.Values)
            {
                // An append in flight tells by itself (a lost lease refuses it); a finishing execution is
                // no longer returned by the renewal once its finish is stored.
                if (runtime.Lease is { } lease && !runtime.Closed && !runtime.AppendInFlight && !runtime.Finishing && !_arriving.Contains(runtime.Id))
                {
                    if (!owned.TryGetValue(runtime.Id, out var now) || now.Epoch != lease.Epoch)
                    {
                        lost.Add(runtime);
                    }
                }
            }

            foreach (var lease in held)
            {
                if (!_active.ContainsKey(lease.ExecutionId) && !_arriving.Contains(lease.ExecutionId))
                {
                    orphans.Add(lease);
                }
            }
        }

        if (lost.Count > 0)
        {
            Log.LeasesLost(_logger, _owner, lost.Count);
            foreach (var runtime in lost)
            {
                Drop(runtime, new ExecutionLeaseLostException($"Execution '{runtime.Id}' is owned by another replica now; watch it again there or on any replica."));
            }
        }

        if (orphans.Count > 0 && !_stopRequested)
        {
            await ResumeOwnedAsync(orphans, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes over executions whose owner's lease expired or that were released (drain), and resumes them.</summary>
    private async Task ClaimAsync(CancellationToken cancellationToken)
    {
        if (_stopRequested)
        {
            return;
        }

        var room = Math.Min(_replicaOptions.ClaimBatch, MaxActiveExecutions - ActiveExecutionCount);
        if (room <= 0)
        {
            return;
        }

        var claimed = await _replicas!.ClaimAsync(_owner, _replicaOptions.LeaseDuration, room, _localStepTypes?.ServedTypes ?? [], cancellationToken).ConfigureAwait(false);
        if (claimed.Count > 0)
        {
            Log.ExecutionsClaimed(_logger, _owner, claimed.Count);
            await ResumeOwnedAsync(claimed, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Executions whose work is all waiting for an executor this replica does not reach, but another
    /// replica's executors serve (connect-mode sessions open to one replica, push registrations made with
    /// one): handed over, so that a replica that reaches one takes them over at once.
    /// </summary>
    private async Task HandOverUnreachableAsync(CancellationToken cancellationToken)
    {
        var elsewhere = _servedElsewhere;
        if (elsewhere.Count == 0 || _stopRequested)
        {
            return;
        }

        var handOvers = new List<(ExecutionRuntime Runtime, string StepType)>();
        lock (_gate)
        {
            foreach (var runtime in _active.Values)
            {
                if (runtime.Lease is null || runtime.Closed || runtime.Finishing || runtime.Running > 0 || runtime.AppendInFlight || runtime.Dirty || runtime.PendingActions.Count > 0)
                {
                    continue;
                }

                // Reachable here means for this execution's namespace: an executor here whose credential covers
                // other namespaces only does not keep it from one elsewhere that serves it.
                var executionNamespace = runtime.Fold.Execution.Namespace;
                for (var step = 0; step < runtime.Parked.Length; step++)
                {
                    var stepType = runtime.Compiled.Graph.Steps[step].Type;
                    if (runtime.Parked[step] && !_dispatcher.IsReachable(stepType, executionNamespace) && ServedStepTypes.Cover(elsewhere, stepType, executionNamespace))
                    {
                        handOvers.Add((runtime, stepType));
                        break;
                    }
                }
            }
        }

        foreach (var (runtime, stepType) in handOvers)
        {
            Drop(runtime, new ExecutionLeaseLostException($"Execution '{runtime.Id}' moved to a replica that reaches an executor of step type '{stepType}'."));
            await _replicas!.HandOverAsync(runtime.Lease!, stepType, _replicaOptions.LeaseDuration, cancellationToken).ConfigureAwait(false);
            Log.HandedOver(_logger, runtime.Id, stepType);
        }
    }

    /// <summary>Loads each execution's log (after its lease was taken: nothing older can be appended) and continues it.</summary>
    private async Task ResumeOwnedAsync(IReadOnlyList<ExecutionLease> leases, CancellationToken cancellationToken)
    {
        foreach (var lease in leases)
        {
            lock (_gate)
            {
                if (_active.ContainsKey(lease.ExecutionId) || !_arriving.Add(lease.ExecutionId))
                {
                    continue;
                }
            }

            try
            {
                var fold = await ExecutionLoader.LoadAsync(_store, lease.ExecutionId, cancellationToken).ConfigureAwait(false);
                if (fold is null || fold.IsFinished)
                {
                    continue;
                }

                CompiledWorkflow? compiled;
                try
                {
                    compiled = _validator.Compile(fold.Execution.Definition)
                        ?? throw new InvalidOperationException($"The definition of execution '{lease.ExecutionId}' is not valid under the current limits.");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.ClaimFailed(_logger, lease.ExecutionId, e);
                    await _replicas!.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                ResumeClaimed(lease, compiled, fold);
            }
            finally
            {
                lock (_gate)
                {
                    _arriving.Remove(lease.ExecutionId);
                }
            }
        }
    }

    /// <summary>Continues an execution this replica just took over: in-flight attempts go out again with their keys, timers resume.</summary>
    private void ResumeClaimed(ExecutionLease lease, CompiledWorkflow compiled, ExecutionStateFold fold)
    {
        var runtime = NewRuntime(lease.ExecutionId, compiled, fold);
        runtime.Lease = lease;
        Interlocked.Increment(ref _activeCount);
        Activate(runtime, static (machine, now) => machine.Resume(now));
    }

    /// <summary>Drops an execution another replica took over: nothing more is dispatched or recorded here.</summary>
    private void Drop(ExecutionRuntime runtime, Exception failure)
    {
        lock (_gate)
        {
            if (runtime.Closed)
            {
                return;
            }

            ((ICommitHost)this).Abandon(runtime, [.. runtime.PendingActions], failure);
            runtime.PendingActions.Clear();
            runtime.Machine.Events.Clear();
            runtime.Machine.Actions.Clear();
            runtime.Observed = 0;
            CheckDrained();
        }

        runtime.Dispatch.Cancel();
        runtime.Removed.TrySetResult();
    }

    /// <summary>Carries out the commands other replicas left for executions this one owns, then deletes them.</summary>
    private async Task RunCommandsAsync(CancellationToken cancellationToken)
    {
        var commands = await _replicas!.ReadCommandsAsync(_owner, cancellationToken).ConfigureAwait(false);
        if (commands.Count == 0)
        {
            return;
        }

        var done = new List<long>();
        foreach (var command in commands)
        {
            bool local;
            lock (_gate)
            {
                local = _active.TryGetValue(command.ExecutionId, out var runtime) && !runtime.Closed;
            }

            if (!local)
            {
                // Owned here but not running yet (being resumed), or finished: a finished one needs nothing.
                var record = await _store.GetAsync(command.ExecutionId, cancellationToken).ConfigureAwait(false);
                if (record is not null && !ExecutionIndexFacts.IsTerminalState(record.State))
                {
                    continue;
                }

                done.Add(command.Id);
                continue;
            }

            try
            {
                switch (command.Kind)
                {
                    case ExecutionCommandKind.Cancel:
                        await CancelAsync(command.ExecutionId, command.Text, cancellationToken).ConfigureAwait(false);
                        break;
                    case ExecutionCommandKind.Signal:
                        await SignalAsync(command.ExecutionId, command.Text, Struct.Parser.ParseFrom(command.Payload), cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
            catch (Exception e) when (e is ExecutionStateConflictException or WorkflowValidationException or ExecutionNotFoundException)
            {
                // Nothing waits for the signal any more (delivered already), or the execution finished.
                Log.CommandFailed(_logger, command.ExecutionId, command.Kind, e);
            }

            done.Add(command.Id);
        }

        await _replicas.DeleteCommandsAsync(done, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Cancel on a replica that does not run the execution: a command for its owner, then the wait until
    /// the store shows it finished (at most <see cref="CommandWait"/>; then its state at that moment).
    /// </summary>
    private async Task<ExecutionState> CancelElsewhereAsync(string executionId, string? reason, CancellationToken cancellationToken)
    {
        var record = await _store.GetAsync(executionId, cancellationToken).ConfigureAwait(false) ?? throw new ExecutionNotFoundException(executionId);
        if (ExecutionIndexFacts.IsTerminalState(record.State))
        {
            return record.State;
        }

        await _replicas!.AddCommandAsync(
            new ExecutionCommand(0, executionId, ExecutionCommandKind.Cancel, string.IsNullOrWhiteSpace(reason) ? "cancelled by a client" : reason, []),
            cancellationToken).ConfigureAwait(false);
        return await WaitForStoreAsync(executionId, r => ExecutionIndexFacts.IsTerminalState(r.State), cancellationToken).ConfigureAwait(false) is { } after
            ? after.State
            : record.State;
    }

    /// <summary>
    /// Signal on a replica that does not run the execution: checked against the stored state (a step waits
    /// for it, the payload fits its schema), left as a command for the owner, then the wait until those
    /// steps are no longer waiting in the store.
    /// </summary>
    private async Task<IReadOnlyList<string>> SignalElsewhereAsync(string executionId, string name, Struct payload, CancellationToken cancellationToken)
    {
        var fold = await ExecutionLoader.LoadAsync(_store, executionId, cancellationToken).ConfigureAwait(false) ?? throw new ExecutionNotFoundException(executionId);
        var execution = fold.Execution;
        var waiting = execution.Steps.Where(s => s.State == StepState.Suspended && s.Signal == name).Select(s => s.StepId).ToList();
        if (fold.IsFinished || waiting.Count == 0)
        {
            throw new ExecutionStateConflictException(executionId, execution.State, $"No step of execution '{executionId}' waits for signal '{name}' now; signals are not kept for steps that wait later.");
        }

        if (_validator.Compile(execution.Definition) is { } compiled)
        {
            foreach (var stepId in waiting)
            {
                if (compiled.SignalSchemas[compiled.Graph.Index[stepId]] is { } schema && Waits.SignalSchema.Violations(schema, payload) is { Count: > 0 } violations)
                {
                    throw new WorkflowValidationException(new Validation.WorkflowValidationResult(
                        [new ValidationProblem { Field = "payload", Description = $"the payload does not satisfy the schema of step '{stepId}': {string.Join("; ", violations)}" }], [], null));
                }
            }
        }

        await _replicas!.AddCommandAsync(new ExecutionCommand(0, executionId, ExecutionCommandKind.Signal, name, payload.ToByteArray()), cancellationToken).ConfigureAwait(false);
        var deadline = _time.GetUtcNow() + CommandWait;
        while (_time.GetUtcNow() < deadline)
        {
            var appended = _replicas.WhenAppended();
            var now = await ExecutionLoader.LoadAsync(_store, executionId, cancellationToken).ConfigureAwait(false);
            if (now is null || now.IsFinished || !now.Execution.Steps.Any(s => waiting.Contains(s.StepId) && s.State == StepState.Suspended))
            {
                break;
            }

            await WaitQuietlyAsync(appended, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }

        return waiting;
    }

    /// <summary>Waits until the stored record satisfies <paramref name="done"/>, at most <see cref="CommandWait"/>; returns the last record read.</summary>
    private async Task<ExecutionRecord?> WaitForStoreAsync(string executionId, Func<ExecutionRecord, bool> done, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + CommandWait;
        ExecutionRecord? record = null;
        while (_time.GetUtcNow() < deadline)
        {
            var appended = _replicas!.WhenAppended();
            record = await _store.GetAsync(executionId, cancellationToken).ConfigureAwait(false);
            if (record is null || done(record))
            {
                return record;
            }

            await WaitQuietlyAsync(appended, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }

        return record;
    }

    /// <summary>
    /// Watching on a replica: the store's log tailed by sequence, woken by appends of any replica, so that
    /// the feed is gap-free and duplicate-free whichever replica owns the execution, and across a change of owner.
    /// </summary>
    private async IAsyncEnumerable<ExecutionEvent> TailAsync(string executionId, long next, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (await _store.GetAsync(executionId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ExecutionNotFoundException(executionId);
        }

        while (true)
        {
            var appended = _replicas!.WhenAppended();
            await foreach (var e in _store.ReadEventsAsync(executionId, next, cancellationToken).ConfigureAwait(false))
            {
                if (e.Sequence != next)
                {
                    break;
                }

                yield return e;
                next = e.Sequence + 1;
                if (e.KindCase == ExecutionEvent.KindOneofCase.Finished)
                {
                    yield break;
                }
            }

            await WaitQuietlyAsync(appended, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The validation hook of a replica: a step type is served when an executor of this replica or of another live one serves it.</summary>
    private sealed class ReplicaStepTypes(IStepTypeCatalog local, WorkflowEngine engine) : IStepTypeCatalog
    {
        public bool IsServed(string stepType) => local.IsServed(stepType) || engine._typesElsewhere.Contains(stepType);

        public IReadOnlyCollection<string> ServedTypes => local.ServedTypes;
    }

    private async Task WaitQuietlyAsync(Task signal, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await signal.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}
