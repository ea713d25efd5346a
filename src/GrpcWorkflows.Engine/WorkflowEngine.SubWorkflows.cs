using GrpcWorkflows.Engine.Commands;
using GrpcWorkflows.Engine.Committing;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.Engine.StateMachine;
using GrpcWorkflows.Engine.SubWorkflows;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>
/// Sub-workflows: a <c>workflow</c> step runs a child execution of a stored workflow. The child is
/// submitted with the idempotency key <c>PARENT/STEP/RUN</c> in the parent's namespace, so a restart
/// (or a second request) finds the same child instead of starting another; the engine then follows the
/// child's events to its end and completes the step. Cancelling the step (the parent's cancellation,
/// timeout or failure) cancels the child.
/// </summary>
public sealed partial class WorkflowEngine
{
    /// <summary>After the step's SUSPENDED event is durable: start or find its child, then follow it (in the background).</summary>
    private void StartChild(ExecutionRuntime runtime, int step, StepAttemptRequest request)
    {
        var execution = runtime.Fold.Execution;
        var parent = new ExecutionParent(runtime.Id, request.Request.StepId, execution.Depth + 1);
        var run = new ChildRun(runtime, step, parent, execution.Namespace, runtime.Compiled.Graph.Steps[step].Workflow, request.Request.Input, execution.RetryCount);
        _ = Task.Run(() => FollowChildAsync(run));
    }

    private async Task FollowChildAsync(ChildRun run)
    {
        string childId;
        try
        {
            if (run.Parent.Depth > SubWorkflowChecks.MaxDepth)
            {
                ChildCommand(run.Runtime, (machine, now) => machine.ChildNotStarted(run.Step, new StepError
                {
                    Code = "FAILED_PRECONDITION",
                    Message = $"the sub-workflow '{run.Reference.Id}' would run at depth {run.Parent.Depth}, beyond the limit of {SubWorkflowChecks.MaxDepth} (workflows starting each other in a loop?)",
                }, now));
                return;
            }

            var version = await Workflows.GetWorkflowAsync(run.Namespace, run.Reference.Id, run.Reference.Version, _stopping.Token).ConfigureAwait(false);
            if (version is null)
            {
                ChildCommand(run.Runtime, (machine, now) => machine.ChildNotStarted(run.Step, new StepError
                {
                    Code = "NOT_FOUND",
                    Message = run.Reference.Version == 0
                        ? $"no stored workflow '{run.Reference.Id}' in the namespace '{run.Namespace}' (never registered, or deleted)"
                        : $"no version {run.Reference.Version} of a stored workflow '{run.Reference.Id}' in the namespace '{run.Namespace}'",
                }, now));
                return;
            }

            var created = await SubmitAsync(new SubmitExecution(
                version.Definition,
                run.Input,
                IdempotencyKey: $"{run.Parent.ExecutionId}/{run.Parent.StepId}/{run.RunNumber}",
                Namespace: run.Namespace,
                WorkflowVersion: version.Version,
                Parent: run.Parent), _stopping.Token).ConfigureAwait(false);
            childId = created.ExecutionId;
            var stillWaiting = false;
            ChildCommand(run.Runtime, (machine, now) =>
            {
                stillWaiting = machine.AwaitsChild(run.Step);
                machine.ChildStarted(run.Step, childId, version.WorkflowId, version.Version, now);
            });
            if (!stillWaiting)
            {
                // The step was cancelled while the child was being started.
                await CancelChildAsync(childId, $"the parent execution {run.Parent.ExecutionId} no longer waits for its step '{run.Parent.StepId}'").ConfigureAwait(false);
                return;
            }
        }
        catch (Exception) when (Stopping)
        {
            // The engine stops (admission refused, reads cancelled): the next start asks for the child again.
            return;
        }
        catch (WorkflowValidationException e)
        {
            ChildCommand(run.Runtime, (machine, now) => machine.ChildNotStarted(run.Step, new StepError { Code = "INVALID_ARGUMENT", Message = $"the sub-workflow '{run.Reference.Id}' refused its input: {e.Result.Describe()}" }, now));
            return;
        }
        catch (AdmissionRejectedException e)
        {
            ChildCommand(run.Runtime, (machine, now) => machine.ChildNotStarted(run.Step, new StepError { Code = "RESOURCE_EXHAUSTED", Message = $"the sub-workflow '{run.Reference.Id}' could not start: {e.Message}" }, now));
            return;
        }
        catch (Exception e)
        {
            Log.ExecutionFaulted(_logger, run.Runtime.Id, e);
            ChildCommand(run.Runtime, (machine, now) => machine.ChildNotStarted(run.Step, new StepError { Code = "INTERNAL", Message = $"the sub-workflow '{run.Reference.Id}' could not start: {e.Message}" }, now));
            return;
        }

        await AwaitChildAsync(run, childId).ConfigureAwait(false);
    }

    /// <summary>Follows the child's events to its end (a replay when it has ended already) and completes the parent's step.</summary>
    private async Task AwaitChildAsync(ChildRun run, string childId)
    {
        try
        {
            await foreach (var e in WatchAsync(childId, 1, _stopping.Token).ConfigureAwait(false))
            {
                if (e.KindCase == ExecutionEvent.KindOneofCase.Finished)
                {
                    var finished = e.Finished;
                    ChildCommand(run.Runtime, (machine, now) => machine.ChildFinished(run.Step, childId, finished.State, finished.Result, finished.Error, now));
                    return;
                }
            }
        }
        catch (Exception) when (Stopping)
        {
            // The engine stops (the child's watch ends with it); the next start follows the child again.
        }
        catch (Exception e)
        {
            Log.ExecutionFaulted(_logger, run.Runtime.Id, e);
            ChildCommand(run.Runtime, (machine, now) => machine.ChildNotStarted(run.Step, new StepError { Code = "INTERNAL", Message = $"the child execution {childId} could not be followed: {e.Message}" }, now));
        }
    }

    /// <summary>A step was cancelled: its child, when it has one, is cancelled too (in the background). Under the lock.</summary>
    private void CancelChildOf(ExecutionRuntime runtime, string stepId)
    {
        if (runtime.Compiled.Graph.Index.TryGetValue(stepId, out var step) && runtime.Fold.Steps[step].ChildExecutionId is { Length: > 0 } childId)
        {
            var reason = $"the parent execution {runtime.Id} cancelled its step '{stepId}'";
            _ = Task.Run(() => CancelChildAsync(childId, reason));
        }
    }

    private async Task CancelChildAsync(string childId, string reason)
    {
        try
        {
            await CancelAsync(childId, reason, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ExecutionNotFoundException or OperationCanceledException or Storage.StoreUnavailableException)
        {
            Log.ChildNotCancelled(_logger, childId, e);
        }
    }

    /// <summary>Runs a command on a parent's machine under the lock, then carries out what it decided.</summary>
    private void ChildCommand(ExecutionRuntime runtime, Action<ExecutionMachine, DateTimeOffset> command)
    {
        AppendBatch[]? batches;
        lock (_gate)
        {
            if (runtime.Closed)
            {
                return;
            }

            Decide(runtime, command);
            _pump.Pump();
            batches = _committer.TakeDirty();
        }

        _committer.StartAppends(batches);
    }

    /// <summary>Whether the engine is stopping: a child's start or watch that ends then is resumed at the next start, never failed.</summary>
    private bool Stopping => Volatile.Read(ref _stopRequested) || _stopping.IsCancellationRequested;

    /// <summary>What one <c>workflow</c> step's child needs.</summary>
    private sealed record ChildRun(ExecutionRuntime Runtime, int Step, ExecutionParent Parent, string Namespace, SubWorkflowStep Reference, Google.Protobuf.WellKnownTypes.Struct Input, int RunNumber);
}
