using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.DataFlow;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>Scheduling: every method here runs under <see cref="_gate"/> and never waits.</summary>
public sealed partial class WorkflowEngine
{
    private const string OutputStepType = "output";

    private static bool IsTerminal(StepState state) => state is StepState.Succeeded or StepState.Failed or StepState.Skipped or StepState.Cancelled;

    private static bool Satisfies(StepExecution step, CompiledWorkflow compiled, int index)
        => step.State == StepState.Succeeded || (step.State == StepState.Failed && compiled.Graph.Steps[index].ContinueOnFailure);

    private ExecutionRuntime Rehydrate(string id, CompiledWorkflow compiled, ExecutionStateFold fold)
    {
        var runtime = new ExecutionRuntime(id, compiled, fold, _stopping.Token)
        {
            LastSequence = fold.Execution.LastSequence,
            DurableSequence = fold.Execution.LastSequence,
        };
        var graph = compiled.Graph;
        for (var i = 0; i < graph.Count; i++)
        {
            var step = runtime.Steps[i];
            runtime.Attempt[i] = step.Attempts;
            runtime.AttemptBase[i] = fold.AttemptBase(graph.Ids[i]);
            if (IsTerminal(step.State))
            {
                runtime.Terminal++;
            }

            if (step.State == StepState.Failed && !graph.Steps[i].ContinueOnFailure && runtime.FirstFailure < 0)
            {
                runtime.FirstFailure = i;
            }

            foreach (var dependency in graph.Dependencies[i])
            {
                if (!Satisfies(runtime.Steps[dependency], compiled, dependency))
                {
                    runtime.PendingDependencies[i]++;
                }
            }
        }

        return runtime;
    }

    private void BeginExecution(ExecutionRuntime runtime)
    {
        Emit(runtime, new ExecutionEvent { Started = new ExecutionStarted() });
        var graph = runtime.Compiled.Graph;
        foreach (var i in runtime.Compiled.Order)
        {
            runtime.PendingDependencies[i] = graph.Dependencies[i].Length;
            if (runtime.PendingDependencies[i] == 0)
            {
                MakeReady(runtime, i);
            }
        }

        Pump();
    }

    private void BeginRetry(ExecutionRuntime runtime, List<string> ids, TaskCompletionSource durable)
    {
        var graph = runtime.Compiled.Graph;
        var retried = new ExecutionRetried();
        foreach (var i in runtime.Compiled.Order)
        {
            if (runtime.Steps[i].State is StepState.Failed or StepState.Skipped or StepState.Cancelled)
            {
                ids.Add(graph.Ids[i]);
            }
        }

        retried.StepIds.AddRange(ids);
        Emit(runtime, new ExecutionEvent { Retried = retried });
        runtime.FirstFailure = -1;
        runtime.Terminal = 0;
        for (var i = 0; i < graph.Count; i++)
        {
            runtime.AttemptBase[i] = runtime.Fold.AttemptBase(graph.Ids[i]);
            runtime.PendingDependencies[i] = 0;
            foreach (var dependency in graph.Dependencies[i])
            {
                if (!Satisfies(runtime.Steps[dependency], runtime.Compiled, dependency))
                {
                    runtime.PendingDependencies[i]++;
                }
            }

            if (IsTerminal(runtime.Steps[i].State))
            {
                runtime.Terminal++;
            }
        }

        foreach (var i in runtime.Compiled.Order)
        {
            if (runtime.Steps[i].State == StepState.Waiting && runtime.PendingDependencies[i] == 0)
            {
                MakeReady(runtime, i);
            }
        }

        runtime.PendingActions.Add(new PendingAction(PendingActionKind.Signal, -1, 0, null, durable));
        CheckFinished(runtime);
        Pump();
    }

    /// <summary>Continues a recovered execution from its folded state.</summary>
    private void Resume(ExecutionRuntime runtime)
    {
        var execution = runtime.Fold.Execution;
        if (execution.State == ExecutionState.Pending)
        {
            BeginExecution(runtime);
            return;
        }

        if (runtime.Fold.CancelRequested)
        {
            CancelRemaining(runtime, "the execution was cancelled", includeRunning: true);
            CheckFinished(runtime);
            return;
        }

        var graph = runtime.Compiled.Graph;
        var now = _time.GetUtcNow();
        foreach (var i in runtime.Compiled.Order)
        {
            var step = runtime.Steps[i];
            switch (step.State)
            {
                case StepState.Running:
                    runtime.Redeliver[i] = true;
                    Enqueue(runtime, i);
                    break;
                case StepState.Ready:
                    if (step.ExecutorWait?.Deadline is { } waitDeadline)
                    {
                        var left = waitDeadline.ToDateTimeOffset() - now;
                        StartWaitTimer(runtime, i, left > TimeSpan.Zero ? left : TimeSpan.Zero);
                    }

                    Enqueue(runtime, i);
                    break;
                case StepState.RetryWait:
                    var due = step.NextAttemptTime?.ToDateTimeOffset() ?? now;
                    StartRetryTimer(runtime, i, runtime.Attempt[i], due > now ? due - now : TimeSpan.Zero);
                    break;
                case StepState.Waiting when runtime.PendingDependencies[i] == 0:
                    MakeReady(runtime, i);
                    break;
                case StepState.Waiting:
                    foreach (var dependency in graph.Dependencies[i])
                    {
                        var state = runtime.Steps[dependency].State;
                        if (state is StepState.Skipped or StepState.Cancelled || (state == StepState.Failed && !graph.Steps[dependency].ContinueOnFailure))
                        {
                            SkipDescendants(runtime, dependency);
                            break;
                        }
                    }

                    break;
            }
        }

        CheckFinished(runtime);
    }

    private void Emit(ExecutionRuntime runtime, ExecutionEvent e)
    {
        e.ExecutionId = runtime.Id;
        e.Sequence = ++runtime.LastSequence;
        e.Time = Timestamp.FromDateTimeOffset(_time.GetUtcNow());
        runtime.Fold.Apply(e);
        runtime.PendingEvents.Add(e);
        MarkDirty(runtime);
    }

    private void MarkDirty(ExecutionRuntime runtime)
    {
        if (!runtime.Dirty)
        {
            runtime.Dirty = true;
            _dirty.Enqueue(runtime);
        }
    }

    private void MakeReady(ExecutionRuntime runtime, int step)
    {
        Emit(runtime, new ExecutionEvent { StepReady = new StepReady { StepId = runtime.Compiled.Graph.Ids[step] } });
        Enqueue(runtime, step);
    }

    private void Enqueue(ExecutionRuntime runtime, int step)
    {
        runtime.Queued[step] = true;
        runtime.Ready.Enqueue(step, runtime.Compiled.Graph.Steps[step].Type, _ready);
        Schedule(runtime);
    }

    /// <summary>Dispatches READY steps while there is capacity: one step per execution per turn, executions in rotation.</summary>
    private void Pump()
    {
        if (_stopRequested || !_started)
        {
            return;
        }

        var misses = 0;

        // With several executions in rotation, the capacity check comes first: without it a full
        // executor would make every pump walk (and rotate) every execution waiting for it. With one,
        // a blocked pump costs a single miss, and the check measurably slowed one huge DAG (S4).
        while (_running < _options.MaxParallelSteps && _roundRobin.Count > 0 && misses < _roundRobin.Count
            && (_roundRobin.Count == 1 || AnyReadyTypeHasCapacity()))
        {
            var runtime = _roundRobin.Dequeue();
            if (runtime.Ready.Count == 0 || runtime.Running >= runtime.Limit || runtime.Finishing || runtime.Closed)
            {
                runtime.InRoundRobin = false;
                continue;
            }

            if (runtime.Ready.TryDequeue(_hasCapacity, runtime.Queued, _ready, out var step))
            {
                misses = 0;
                runtime.Queued[step] = false;
                StartAttemptContained(runtime, step);
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

    private void StartAttempt(ExecutionRuntime runtime, int step)
    {
        var compiled = runtime.Compiled;
        var graph = compiled.Graph;
        var definition = graph.Steps[step];
        var stepId = graph.Ids[step];
        var redeliver = runtime.Redeliver[step];
        var attempt = redeliver ? runtime.Attempt[step] : runtime.Attempt[step] + 1;
        runtime.Redeliver[step] = false;

        var input = definition.Input ?? new Struct();
        if (compiled.HasTemplates[step])
        {
            var resolved = InputResolver.Resolve(input, id => graph.Index.TryGetValue(id, out var s) ? runtime.Steps[s].Output : null, graph.Index.ContainsKey, runtime.Fold.Execution.Input, out var error);
            if (resolved is null)
            {
                FailStep(runtime, step, attempt - 1, new StepError { Code = "INVALID_ARGUMENT", Message = error!, Retryable = false });
                return;
            }

            input = resolved;
            var size = input.CalculateSize();
            if (size > _options.Limits.MaxPayloadBytes)
            {
                FailStep(runtime, step, attempt - 1, new StepError { Code = "RESOURCE_EXHAUSTED", Message = $"the resolved input is {size} bytes; the limit is {_options.Limits.MaxPayloadBytes} bytes (WorkflowLimits.MaxPayloadBytes)", Retryable = false });
                return;
            }
        }

        var key = StepIdempotencyKey(runtime.Id, stepId);
        runtime.Running++;
        _running++;
        if (!redeliver)
        {
            runtime.Attempt[step] = attempt;
            Emit(runtime, new ExecutionEvent { AttemptStarted = new StepAttemptStarted { StepId = stepId, Attempt = attempt, IdempotencyKey = key } });
        }

        var execution = runtime.Fold.Execution;
        var request = new ExecuteStepRequest
        {
            ExecutionId = runtime.Id,
            WorkflowId = execution.WorkflowId,
            StepId = stepId,
            StepType = definition.Type,
            Attempt = attempt,
            IdempotencyKey = key,
            Input = input,
            WorkflowInput = execution.Input,
            Timeout = Duration.FromTimeSpan(compiled.Timeouts[step]),
        };
        foreach (var dependency in graph.Dependencies[step])
        {
            var upstream = runtime.Steps[dependency];
            request.Dependencies.Add(graph.Ids[dependency], upstream.State == StepState.Succeeded ? upstream.Output ?? new Struct() : FailureAsOutput(upstream.Error));
        }

        if (execution.Labels.Count > 0)
        {
            request.Labels.Add(execution.Labels);
        }

        if (runtime.Activity is not null && runtime.StepActivities is { } activities && activities[step] is null)
        {
            activities[step] = StartDetached("step " + stepId, runtime.Activity.Context, runtime, stepId, definition.Type);
        }

        var inTransit = InTransit(definition.Type);
        inTransit.Value++;
        runtime.PendingActions.Add(new PendingAction(PendingActionKind.Dispatch, step, attempt, new StepAttemptRequest(request, compiled.Timeouts[step]), null, inTransit));
        MarkDirty(runtime);
        _metrics.Started.Add(1);
    }

    /// <summary>
    /// The idempotency key of a step of an execution: the same for every attempt and delivery of the
    /// step (see <c>ExecuteStepRequest.idempotency_key</c>), so an executor can make a side effect
    /// happen once across retries.
    /// </summary>
    internal static string StepIdempotencyKey(string executionId, string stepId) => string.Concat(executionId, ":", stepId);

    /// <summary>Whether some step type with READY steps has capacity for one more attempt. Under the lock.</summary>
    private bool AnyReadyTypeHasCapacity()
    {
        foreach (var (stepType, ready) in _ready.ByType)
        {
            if (ready > 0 && CanDispatch(stepType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether one more attempt of <paramref name="stepType"/> may be decided now. Under the lock.</summary>
    private bool CanDispatch(string stepType)
    {
        // Publishes the READY count before reading the dispatcher's slots (see OnCapacityAvailable).
        Interlocked.MemoryBarrier();
        var available = _dispatcher.AvailableCapacity(stepType);
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

    /// <summary>Puts an execution back in the rotation when it has READY steps and room under its own limit.</summary>
    private void Schedule(ExecutionRuntime runtime)
    {
        if (!runtime.InRoundRobin && runtime.Ready.Count > 0 && runtime.Running < runtime.Limit && !runtime.Finishing && !runtime.Closed)
        {
            runtime.InRoundRobin = true;
            _roundRobin.Enqueue(runtime);
        }
    }

    private static Struct FailureAsOutput(StepError? error)
    {
        var failure = new Struct();
        failure.Fields["code"] = Value.ForString(error?.Code ?? string.Empty);
        failure.Fields["message"] = Value.ForString(error?.Message ?? string.Empty);
        var output = new Struct();
        output.Fields["error"] = Value.ForStruct(failure);
        return output;
    }

    private enum AttemptOutcome
    {
        Completed,
        TimedOut,
        Cancelled,
        Stopped,
    }

    private void OnAttemptCompleted(ExecutionRuntime runtime, int step, int attempt, StepAttemptResult? result, AttemptOutcome outcome, TimeSpan elapsed)
    {
        runtime.Running--;
        _running--;
        CheckDrained();
        Schedule(runtime);
        if (runtime.Closed || runtime.Steps[step].State != StepState.Running || runtime.Attempt[step] != attempt)
        {
            Pump();
            return;
        }

        if (outcome == AttemptOutcome.Stopped)
        {
            return;
        }

        if (outcome == AttemptOutcome.Completed && result is { ReachedExecutor: false } && !runtime.Fold.CancelRequested)
        {
            AwaitExecutor(runtime, step, attempt, result.Error?.Message ?? "no executor could be called");
            CheckFinished(runtime);
            Pump();
            return;
        }

        var graph = runtime.Compiled.Graph;
        var stepId = graph.Ids[step];
        _metrics.Duration.Record(elapsed.TotalSeconds);
        var endpoint = result?.Endpoint ?? string.Empty;
        if (result is { Succeeded: true })
        {
            var output = result.Output ?? new Struct();
            var size = output.CalculateSize();
            if (size > _options.Limits.MaxPayloadBytes)
            {
                Emit(runtime, new ExecutionEvent { AttemptFailed = new StepAttemptFailed { StepId = stepId, Attempt = attempt, Error = OversizedOutput(size), Endpoint = endpoint } });
                FailStep(runtime, step, attempt, OversizedOutput(size));
            }
            else
            {
                Emit(runtime, new ExecutionEvent { StepSucceeded = new StepSucceeded { StepId = stepId, Attempt = attempt, Output = output, Endpoint = endpoint } });
                _metrics.Succeeded.Add(1);
                StepDone(runtime, step);
                Release(runtime, step);
            }
        }
        else if (outcome == AttemptOutcome.Cancelled || runtime.Fold.CancelRequested)
        {
            Emit(runtime, new ExecutionEvent { StepCancelled = new StepCancelled { StepId = stepId, Reason = "the execution was cancelled" } });
            StepDone(runtime, step);
        }
        else
        {
            var error = result?.Error ?? new StepError
            {
                Code = "DEADLINE_EXCEEDED",
                Message = $"attempt {attempt} did not finish within its timeout of {runtime.Compiled.Timeouts[step]}",
                Retryable = true,
            };
            var plan = runtime.Compiled.RetryPlans[step];
            var attemptsThisRun = attempt - runtime.AttemptBase[step];
            if (plan.IsRetryable(error) && attemptsThisRun < plan.MaxAttempts)
            {
                var delay = plan.Delay(attemptsThisRun, Random.Shared.NextDouble(), result?.RetryAfter);
                Emit(runtime, new ExecutionEvent
                {
                    AttemptFailed = new StepAttemptFailed { StepId = stepId, Attempt = attempt, Error = error, WillRetry = true, RetryDelay = Duration.FromTimeSpan(delay), Endpoint = endpoint },
                });
                _metrics.Retried.Add(1);
                Log.AttemptRetry(_logger, runtime.Id, stepId, attempt, error.Code, delay);
                StartRetryTimer(runtime, step, attempt, delay);
            }
            else
            {
                Emit(runtime, new ExecutionEvent { AttemptFailed = new StepAttemptFailed { StepId = stepId, Attempt = attempt, Error = error, Endpoint = endpoint } });
                FailStep(runtime, step, attempt, error);
            }
        }

        CheckFinished(runtime);
        Pump();
    }

    /// <summary>
    /// An attempt never reached an executor: not an attempt. The step is READY again with its attempt
    /// taken back and waits, visibly, for a reachable executor, until its wait's deadline.
    /// </summary>
    private void AwaitExecutor(ExecutionRuntime runtime, int step, int attempt, string reason)
    {
        var now = _time.GetUtcNow();
        var previous = runtime.Steps[step].ExecutorWait;
        var wait = new ExecutorWait
        {
            Reason = reason,
            Since = previous?.Since ?? Timestamp.FromDateTimeOffset(now),
            Deadline = previous?.Deadline ?? Timestamp.FromDateTimeOffset(now + _options.MaxExecutorWait),
        };
        var stepId = runtime.Compiled.Graph.Ids[step];
        Emit(runtime, new ExecutionEvent { AwaitingExecutor = new StepAwaitingExecutor { StepId = stepId, Attempt = attempt, Wait = wait } });
        runtime.Attempt[step] = attempt - 1;
        var left = wait.Deadline.ToDateTimeOffset() - now;
        if (left <= TimeSpan.Zero)
        {
            GiveUpWaiting(runtime, step);
            return;
        }

        if (previous is null)
        {
            Log.AwaitingExecutor(_logger, runtime.Id, stepId, reason);
            StartWaitTimer(runtime, step, left);
        }

        var stepType = runtime.Compiled.Graph.Steps[step].Type;
        if (_dispatcher.IsReachable(stepType))
        {
            // Reachable again already (it came back while this result was on its way): send at once.
            Enqueue(runtime, step);
        }
        else
        {
            _waitingForExecutor.Add(stepType, runtime, step);
        }
    }

    /// <summary>The wait for an executor passed its deadline: the step fails, having never run this attempt.</summary>
    private void GiveUpWaiting(ExecutionRuntime runtime, int step)
    {
        runtime.Parked[step] = false;
        var wait = runtime.Steps[step].ExecutorWait;
        var stepType = runtime.Compiled.Graph.Steps[step].Type;
        var since = wait?.Since?.ToDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "?";
        FailStep(runtime, step, runtime.Attempt[step], new StepError
        {
            Code = "UNAVAILABLE",
            Message = $"no executor of step type '{stepType}' could be reached from {since} for {_options.MaxExecutorWait} (Engine:MaxExecutorWait), so the step was not run; last reason: {wait?.Reason}",
            Retryable = false,
        });
    }

    private void StartWaitTimer(ExecutionRuntime runtime, int step, TimeSpan delay)
    {
        runtime.WaitTimers ??= [];
        if (runtime.WaitTimers.Remove(step, out var old))
        {
            old.Dispose();
        }

        var state = new WaitDue(this, runtime, step);
        runtime.WaitTimers[step] = _time.CreateTimer(static s => ((WaitDue)s!).Fire(), state, delay, Timeout.InfiniteTimeSpan);
    }

    private void OnWaitDue(ExecutionRuntime runtime, int step)
    {
        lock (_gate)
        {
            if (runtime.WaitTimers?.Remove(step, out var timer) == true)
            {
                timer.Dispose();
            }

            // A step being sent again is judged when that send comes back (AwaitExecutor checks the deadline).
            if (runtime.Closed || runtime.Finishing || !runtime.Parked[step] || runtime.Steps[step].State != StepState.Ready)
            {
                return;
            }

            GiveUpWaiting(runtime, step);
            Pump();
        }

        DrainDirty();
    }

    /// <summary>Sends again the parked steps whose type the dispatcher says is reachable. Under the lock.</summary>
    private void ReleaseReachable()
    {
        if (_waitingForExecutor.Count == 0 || _waitingForExecutor.TakeReachable(_isReachable) is not { } released)
        {
            return;
        }

        foreach (var (runtime, step) in released)
        {
            if (!runtime.Closed && !runtime.Finishing && runtime.Steps[step].State == StepState.Ready && !runtime.Queued[step])
            {
                Enqueue(runtime, step);
            }
        }
    }

    private StepError OversizedOutput(int size) => new()
    {
        Code = "RESOURCE_EXHAUSTED",
        Message = $"the output is {size} bytes; the limit is {_options.Limits.MaxPayloadBytes} bytes (WorkflowLimits.MaxPayloadBytes)",
        Retryable = false,
    };

    /// <summary>Records a terminal failure; the execution fails and the step's descendants are skipped unless it continues on failure.</summary>
    private void FailStep(ExecutionRuntime runtime, int step, int attempts, StepError error)
    {
        var graph = runtime.Compiled.Graph;
        var continued = graph.Steps[step].ContinueOnFailure;
        Emit(runtime, new ExecutionEvent { StepFailed = new StepFailed { StepId = graph.Ids[step], Attempts = attempts, Error = error, Continued = continued } });
        _metrics.Failed.Add(1);
        StepDone(runtime, step);
        if (continued)
        {
            Release(runtime, step);
        }
        else
        {
            if (runtime.FirstFailure < 0)
            {
                runtime.FirstFailure = step;
            }

            SkipDescendants(runtime, step);
        }

        CheckFinished(runtime);
    }

    /// <summary>A dependency is satisfied: dependents whose last dependency this was become READY.</summary>
    private void Release(ExecutionRuntime runtime, int step)
    {
        if (runtime.Fold.CancelRequested)
        {
            return;
        }

        foreach (var dependent in runtime.Compiled.Graph.Dependents[step])
        {
            if (--runtime.PendingDependencies[dependent] == 0 && runtime.Steps[dependent].State == StepState.Waiting)
            {
                MakeReady(runtime, dependent);
            }
        }
    }

    private void SkipDescendants(ExecutionRuntime runtime, int failed)
    {
        var graph = runtime.Compiled.Graph;
        var cause = graph.Ids[failed];
        var queue = new Queue<int>();
        queue.Enqueue(failed);
        while (queue.Count > 0)
        {
            foreach (var dependent in graph.Dependents[queue.Dequeue()])
            {
                if (runtime.Steps[dependent].State != StepState.Waiting)
                {
                    continue;
                }

                Emit(runtime, new ExecutionEvent
                {
                    StepSkipped = new StepSkipped { StepId = graph.Ids[dependent], CauseStepId = cause, Reason = $"step '{cause}' failed" },
                });
                StepDone(runtime, dependent);
                queue.Enqueue(dependent);
            }
        }
    }

    private static void StepDone(ExecutionRuntime runtime, int step)
    {
        runtime.Terminal++;
        if (runtime.StepActivities?[step] is { } activity)
        {
            activity.SetStatus(runtime.Steps[step].State == StepState.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            activity.Stop();
            runtime.StepActivities[step] = null;
        }
    }

    private void CheckFinished(ExecutionRuntime runtime)
    {
        if (runtime.Finishing || runtime.Terminal < runtime.Compiled.Graph.Count)
        {
            return;
        }

        runtime.Finishing = true;
        var graph = runtime.Compiled.Graph;
        var finished = new ExecutionFinished();
        if (runtime.Fold.CancelRequested)
        {
            finished.State = ExecutionState.Cancelled;
            finished.Error = new StepError { Code = "CANCELLED", Message = runtime.CancelReason ?? "cancelled by a client" };
        }
        else if (runtime.FirstFailure >= 0)
        {
            var error = runtime.Steps[runtime.FirstFailure].Error;
            finished.State = ExecutionState.Failed;
            finished.Error = new StepError
            {
                Code = error?.Code ?? "UNKNOWN",
                Message = $"step '{graph.Ids[runtime.FirstFailure]}' failed: {error?.Message}",
                Details = error?.Details,
            };
        }
        else
        {
            finished.State = ExecutionState.Succeeded;
        }

        finished.Result = ComputeResult(runtime);
        Emit(runtime, new ExecutionEvent { Finished = finished });
        runtime.PendingActions.Add(new PendingAction(PendingActionKind.Finish, -1, 0, null, null));
        runtime.Ready.Clear(_ready);
        DisposeTimers(runtime);
    }

    private static Struct ComputeResult(ExecutionRuntime runtime)
    {
        var graph = runtime.Compiled.Graph;
        Struct? merged = null;
        foreach (var i in runtime.Compiled.Order)
        {
            var step = runtime.Steps[i];
            if (graph.Steps[i].Type == OutputStepType && step.State == StepState.Succeeded
                && step.Output?.Fields.TryGetValue("result", out var value) == true && value.KindCase == Value.KindOneofCase.StructValue)
            {
                merged ??= new Struct();
                foreach (var (key, item) in value.StructValue.Fields)
                {
                    merged.Fields[key] = item;
                }
            }
        }

        if (merged is not null)
        {
            return merged;
        }

        var leaves = new Struct();
        foreach (var i in runtime.Compiled.Order)
        {
            if (graph.Dependents[i].Length == 0 && runtime.Steps[i].State == StepState.Succeeded)
            {
                leaves.Fields[graph.Ids[i]] = Value.ForStruct(runtime.Steps[i].Output ?? new Struct());
            }
        }

        return leaves;
    }

    private void RequestCancel(ExecutionRuntime runtime, string reason, TaskCompletionSource durable)
    {
        if (!runtime.Fold.CancelRequested)
        {
            runtime.CancelReason = reason;
            Emit(runtime, new ExecutionEvent { CancelRequested = new ExecutionCancelRequested { Reason = reason } });
            CancelRemaining(runtime, $"the execution was cancelled: {reason}", includeRunning: false);
            runtime.PendingActions.Add(new PendingAction(PendingActionKind.CancelAttempts, -1, 0, null, null));
        }

        runtime.PendingActions.Add(new PendingAction(PendingActionKind.Signal, -1, 0, null, durable));
        MarkDirty(runtime);
        CheckFinished(runtime);
    }

    private void CancelRemaining(ExecutionRuntime runtime, string reason, bool includeRunning)
    {
        var graph = runtime.Compiled.Graph;
        foreach (var i in runtime.Compiled.Order)
        {
            var state = runtime.Steps[i].State;
            if (IsTerminal(state) || (state == StepState.Running && !includeRunning && !runtime.Queued[i]))
            {
                continue;
            }

            runtime.Queued[i] = false;
            Emit(runtime, new ExecutionEvent { StepCancelled = new StepCancelled { StepId = graph.Ids[i], Reason = reason } });
            StepDone(runtime, i);
        }

        runtime.Ready.Clear(_ready);
        DisposeTimers(runtime);
    }

    private void StartRetryTimer(ExecutionRuntime runtime, int step, int attempt, TimeSpan delay)
    {
        runtime.RetryTimers ??= [];
        if (runtime.RetryTimers.Remove(step, out var old))
        {
            old.Dispose();
        }

        var state = new RetryDue(this, runtime, step, attempt);
        runtime.RetryTimers[step] = _time.CreateTimer(static s => ((RetryDue)s!).Fire(), state, delay, Timeout.InfiniteTimeSpan);
    }

    private void OnRetryDue(ExecutionRuntime runtime, int step, int attempt)
    {
        lock (_gate)
        {
            if (runtime.RetryTimers?.Remove(step, out var timer) == true)
            {
                timer.Dispose();
            }

            if (runtime.Closed || runtime.Finishing || runtime.Steps[step].State != StepState.RetryWait || runtime.Attempt[step] != attempt)
            {
                return;
            }

            Enqueue(runtime, step);
            Pump();
        }

        DrainDirty();
    }

    private static void DisposeTimers(ExecutionRuntime runtime)
    {
        foreach (var timers in (ReadOnlySpan<Dictionary<int, ITimer>?>)[runtime.RetryTimers, runtime.WaitTimers])
        {
            if (timers is { Count: > 0 })
            {
                foreach (var timer in timers.Values)
                {
                    timer.Dispose();
                }

                timers.Clear();
            }
        }
    }

    private void OnCapacityAvailable(object? sender, EventArgs e)
    {
        // Raised on every finished call: with no READY step queued there is nothing capacity could
        // start, so skip the lock. Pairs with the fence in CanDispatch: a step queued concurrently
        // either sees the freed slot there or is counted here.
        if (Volatile.Read(ref _ready.Total) == 0 && Volatile.Read(ref _waitingForExecutor.Count) == 0)
        {
            return;
        }

        AppendBatch[]? batches;
        lock (_gate)
        {
            ReleaseReachable();
            Pump();
            batches = TakeDirty();
        }

        StartAppends(batches);
    }

    private void CheckDrained()
    {
        if (_stopRequested && _running == 0 && _appendsInFlight == 0)
        {
            _drained.TrySetResult();
        }
    }

    private static void StartActivity(ExecutionRuntime runtime)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        runtime.Activity = StartDetached("execution " + runtime.Fold.Execution.WorkflowId, default, runtime, null, null);
        runtime.StepActivities = new Activity?[runtime.Compiled.Graph.Count];
    }

    private static Activity? StartDetached(string name, ActivityContext parent, ExecutionRuntime runtime, string? stepId, string? stepType)
    {
        var previous = Activity.Current;
        var activity = Source.CreateActivity(name, ActivityKind.Internal, parent);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag(TelemetryTags.ExecutionId, runtime.Id);
        activity.SetTag(TelemetryTags.WorkflowId, runtime.Fold.Execution.WorkflowId);
        if (stepId is not null)
        {
            activity.SetTag(TelemetryTags.StepId, stepId);
            activity.SetTag(TelemetryTags.StepType, stepType);
        }

        activity.Start();
        Activity.Current = previous;
        return activity;
    }

    /// <summary>The state of an executor wait's deadline timer.</summary>
    private sealed class WaitDue(WorkflowEngine engine, ExecutionRuntime runtime, int step)
    {
        public void Fire() => engine.OnWaitDue(runtime, step);
    }

    /// <summary>The state of a retry timer: which attempt of which step becomes due.</summary>
    private sealed class RetryDue(WorkflowEngine engine, ExecutionRuntime runtime, int step, int attempt)
    {
        public void Fire() => engine.OnRetryDue(runtime, step, attempt);
    }
}
