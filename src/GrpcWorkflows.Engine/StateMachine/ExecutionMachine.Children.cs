using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Attempts;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.StateMachine;

/// <summary>
/// Built-in <c>workflow</c> steps: the step is SUSPENDED while a child execution of a stored workflow
/// runs; the child's end completes it. The host starts the child (idempotently) and reports back.
/// </summary>
internal sealed partial class ExecutionMachine
{
    /// <summary>A READY <c>workflow</c> step starts: its input is resolved now (secrets are not passed to children), then the host starts the child.</summary>
    private void StartChild(int step, DateTimeOffset now)
    {
        if (ChildRequest(step, now) is not { } request)
        {
            return;
        }

        Emit(new ExecutionEvent { StepSuspended = new StepSuspended { StepId = Graph.Ids[step] } }, now);
        Actions.Add(new MachineAction(MachineActionKind.StartChild, step, Request: request));
    }

    /// <summary>A recovered SUSPENDED <c>workflow</c> step: the host finds its child again (or starts it, if the crash came first).</summary>
    private void RequestChild(int step, DateTimeOffset now)
    {
        if (ChildRequest(step, now) is { } request)
        {
            Actions.Add(new MachineAction(MachineActionKind.StartChild, step, Request: request));
        }
    }

    private Dispatch.StepAttemptRequest? ChildRequest(int step, DateTimeOffset now)
    {
        var request = AttemptRequestFactory.Create(Fold, Compiled, step, 1, Limits, secrets: null, out var error);
        if (request is null)
        {
            FailStep(step, 0, error!, now);
        }

        return request;
    }

    /// <summary>The host started (or found) the child of a SUSPENDED <c>workflow</c> step; recorded once.</summary>
    public void ChildStarted(int step, string childExecutionId, string workflowId, int workflowVersion, DateTimeOffset now)
    {
        if (IsFinished || Steps[step].State != StepState.Suspended || Steps[step].ChildExecutionId == childExecutionId)
        {
            return;
        }

        Emit(new ExecutionEvent
        {
            ChildStarted = new ChildExecutionStarted { StepId = Graph.Ids[step], ChildExecutionId = childExecutionId, WorkflowId = workflowId, WorkflowVersion = workflowVersion },
        }, now);
    }

    /// <summary>
    /// The child of a SUSPENDED <c>workflow</c> step ended: the step succeeds with the child's result,
    /// or fails with the child's reason. Ignored when the step no longer waits (cancelled meanwhile).
    /// </summary>
    public void ChildFinished(int step, string childExecutionId, ExecutionState state, Struct? result, StepError? error, DateTimeOffset now)
    {
        if (IsFinished || Steps[step].State != StepState.Suspended)
        {
            return;
        }

        if (state == ExecutionState.Succeeded)
        {
            Emit(new ExecutionEvent { StepSucceeded = new StepSucceeded { StepId = Graph.Ids[step], Output = result?.Clone() ?? new Struct() } }, now);
            Settle(step, now);
            CheckFinished(now);
            return;
        }

        var how = state == ExecutionState.Cancelled ? "was cancelled" : "failed";
        FailStep(step, 0, new StepError
        {
            Code = error is { Code.Length: > 0 } ? error.Code : state == ExecutionState.Cancelled ? "CANCELLED" : "CHILD_FAILED",
            Message = $"the child execution {childExecutionId} {how}: {(error is { Message.Length: > 0 } ? error.Message : "no reason given")}",
            Retryable = false,
            Details = error?.Details,
        }, now);
    }

    /// <summary>The child of a SUSPENDED <c>workflow</c> step could not be started: the step fails with the reason.</summary>
    public void ChildNotStarted(int step, StepError error, DateTimeOffset now)
    {
        if (!IsFinished && Steps[step].State == StepState.Suspended)
        {
            FailStep(step, 0, error, now);
        }
    }

    /// <summary>Whether the step still waits for its child (not cancelled, not finished).</summary>
    public bool AwaitsChild(int step) => !IsFinished && Steps[step].State == StepState.Suspended;
}
