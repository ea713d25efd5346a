using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>
/// Containment: an exception while scheduling, resolving or recovering one execution fails that
/// step or execution with a reason a client can read, is logged once, and never escapes into the
/// lock holder, a detached task or start-up recovery.
/// </summary>
public sealed partial class WorkflowEngine
{
    private const string FaultCode = "INTERNAL";

    /// <summary>Starts an attempt; an exception fails the step (or, failing that, the execution) instead of escaping. Under the lock.</summary>
    private void StartAttemptContained(ExecutionRuntime runtime, int step)
    {
        try
        {
            StartAttempt(runtime, step);
        }
        catch (Exception e)
        {
            var stepId = runtime.Compiled.Graph.Ids[step];
            Log.StepFaulted(_logger, runtime.Id, stepId, e);
            var reason = $"the engine could not start step '{stepId}': {e.Message}";
            try
            {
                FailStep(runtime, step, runtime.Attempt[step], new StepError { Code = FaultCode, Message = reason, Retryable = false });
            }
            catch (Exception again)
            {
                Log.ExecutionFaulted(_logger, runtime.Id, again);
                FaultExecution(runtime, reason);
            }
        }
    }

    /// <summary>
    /// Fails a whole execution whose scheduling state can no longer be trusted: one FAILED finish
    /// event with the reason, its attempts cancelled, nothing else scheduled. Under the lock.
    /// </summary>
    private void FaultExecution(ExecutionRuntime runtime, string reason)
    {
        if (runtime.Finishing || runtime.Closed)
        {
            return;
        }

        runtime.Finishing = true;
        runtime.Ready.Clear(_ready);
        DisposeTimers(runtime);
        Emit(runtime, new ExecutionEvent
        {
            Finished = new ExecutionFinished { State = ExecutionState.Failed, Error = new StepError { Code = FaultCode, Message = reason } },
        });
        runtime.PendingActions.Add(new PendingAction(PendingActionKind.CancelAttempts, -1, 0, null, null));
        runtime.PendingActions.Add(new PendingAction(PendingActionKind.Finish, -1, 0, null, null));
    }

    /// <summary>
    /// Recovery met an execution it cannot continue: it leaves memory, and its log gets a FAILED
    /// finish event with the reason, so that it neither holds an admission slot nor stops the next start.
    /// </summary>
    private async Task MarkUnrecoverableAsync(string executionId, Exception cause, CancellationToken cancellationToken)
    {
        Log.RecoveryFailed(_logger, executionId, cause);
        lock (_gate)
        {
            if (_active.TryGetValue(executionId, out var runtime))
            {
                runtime.Ready.Clear(_ready);
                DisposeTimers(runtime);
                runtime.PendingEvents.Clear();
                runtime.PendingActions.Clear();
                Close(runtime);
            }
        }

        try
        {
            var record = await _store.GetAsync(executionId, cancellationToken).ConfigureAwait(false);
            if (record is null || ExecutionIndexFacts.IsTerminalState(record.State))
            {
                return;
            }

            var failed = new ExecutionEvent
            {
                ExecutionId = executionId,
                Sequence = record.LastSequence + 1,
                Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
                Finished = new ExecutionFinished
                {
                    State = ExecutionState.Failed,
                    Error = new StepError { Code = FaultCode, Message = $"the execution could not be recovered at start: {cause.Message}" },
                },
            };
            await _store.AppendAsync(executionId, [failed], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.UnrecoverableNotRecorded(_logger, executionId, e);
        }
    }
}
