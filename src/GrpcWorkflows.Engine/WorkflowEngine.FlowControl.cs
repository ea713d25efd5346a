using System.Globalization;
using GrpcWorkflows.Engine.Committing;
using GrpcWorkflows.Engine.FlowControl;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.Engine.StateMachine;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>
/// Flow control: the engine's side of the flow gate (records why steps wait, refills buckets) and
/// workflow-level concurrency (admits, queues or cancels executions by key).
/// </summary>
public sealed partial class WorkflowEngine
{
    /// <summary>
    /// Runs the first command of an execution taking its place in memory (start, resume), under its
    /// workflow's concurrency limit when it has one: a PENDING execution whose key is full is queued,
    /// cancelled, or cancels the oldest running one, as its strategy says. During recovery every PENDING
    /// one is queued, and <see cref="AdmitRecovered"/> admits them once all are back. Under the lock.
    /// </summary>
    private void Admit(ExecutionRuntime runtime, Action<ExecutionMachine, DateTimeOffset> first)
    {
        if (runtime.Compiled.Flow?.Workflow is not { } limit)
        {
            Decide(runtime, first);
            return;
        }

        var execution = runtime.Fold.Execution;
        var key = runtime.ExecutionKey ??= runtime.Compiled.Flow.WorkflowKey(execution.Input, execution.Namespace);
        var running = _executions.Running(key);
        if (execution.State != ExecutionState.Pending || (_started && running < limit.Max))
        {
            _executions.Admit(runtime);
            Decide(runtime, first);
            return;
        }

        var display = FlowStep.Display(key);
        var full = string.Create(CultureInfo.InvariantCulture, $"concurrency key '{display}' is full ({running} of {limit.Max} running)");
        if (!_started || limit.Strategy == FlowPlan.Queue)
        {
            _executions.Queue(runtime, execution.CreateTime.ToDateTimeOffset(), runtime.Compiled.Definition.Priority);
            if (_started)
            {
                Decide(runtime, (machine, now) => machine.Queue(new FlowWait { Kind = FlowWaitKind.ConcurrencyKey, Key = display, Reason = full }, now));
            }

            return;
        }

        if (limit.Strategy == FlowPlan.CancelNew)
        {
            Decide(runtime, (machine, now) => machine.Cancel($"{full} and its strategy is cancel_new", now));
            return;
        }

        if (_executions.OldestRunning(key) is { } oldest)
        {
            Decide(oldest, (machine, now) => machine.Cancel($"superseded by execution {runtime.Id}: {full} and its strategy is cancel_in_progress", now));
        }

        _executions.Admit(runtime);
        Decide(runtime, first);
    }

    /// <summary>After recovery: the queued executions start while their keys have room; the others record why they wait. Under the lock.</summary>
    private void AdmitRecovered()
    {
        StartAdmitted(_executions.TakeAdmissible(MaxOf));
        foreach (var runtime in _executions.Queued())
        {
            var key = FlowStep.Display(runtime.ExecutionKey!);
            var reason = string.Create(CultureInfo.InvariantCulture, $"concurrency key '{key}' is full ({_executions.Running(runtime.ExecutionKey!)} of {MaxOf(runtime)} running)");
            Decide(runtime, (machine, now) => machine.Queue(new FlowWait { Kind = FlowWaitKind.ConcurrencyKey, Key = key, Reason = reason }, now));
        }
    }

    /// <summary>An execution with a workflow concurrency key left memory: the next queued one of its key starts. Under the lock.</summary>
    private void ReleaseExecution(ExecutionRuntime runtime)
    {
        _executions.Release(runtime);
        if (_started)
        {
            StartAdmitted(_executions.TakeAdmissible(MaxOf, runtime.ExecutionKey));
        }
    }

    private void StartAdmitted(List<ExecutionRuntime>? admitted)
    {
        foreach (var next in admitted ?? [])
        {
            Decide(next, static (machine, now) => machine.Start(now));
        }

        if (admitted is not null)
        {
            _pump.Pump();
        }
    }

    private static int MaxOf(ExecutionRuntime runtime) => runtime.Compiled.Flow!.Workflow!.Max;

    /// <summary>The flow gate holds back a step: its machine records why. Under the lock, from the pump or an enqueue.</summary>
    private void Throttled(ExecutionRuntime runtime, int step, FlowWait wait)
    {
        if (runtime.Closed)
        {
            return;
        }

        var now = _time.GetUtcNow();
        runtime.Machine.Throttle(step, wait, now);
        if (runtime.Machine.Events.Count > 0)
        {
            _committer.MarkDirty(runtime);
        }
    }

    /// <summary>A rate limit's bucket is due for its refill (a timer, outside the lock): the steps waiting for it may start.</summary>
    private void OnRefillDue(string key)
    {
        AppendBatch[]? batches;
        lock (_gate)
        {
            _flow.Refill(key);
            _pump.Pump();
            batches = _committer.TakeDirty();
        }

        _committer.StartAppends(batches);
    }
}
