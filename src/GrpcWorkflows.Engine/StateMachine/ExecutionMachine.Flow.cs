using GrpcWorkflows.Engine.Attempts;
using GrpcWorkflows.Engine.Conditions;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.StateMachine;

/// <summary>Which steps may run: trigger rules over the dependencies' outcomes, then the step's <c>when</c> condition.</summary>
internal sealed partial class ExecutionMachine
{
    /// <summary>What a waiting step's trigger rule says given its dependencies so far.</summary>
    private enum Readiness
    {
        Wait,
        Run,
        Skip,
    }

    /// <summary>The reason steps stopped by a cancel or a timeout are recorded with.</summary>
    private string StopReason => Fold.TimedOut ? Fold.CancelReason! : "the execution was cancelled";

    /// <summary>Every WAITING step whose trigger rule decides now runs or is skipped, in topological order (start, resume, retry).</summary>
    private void ReleaseWaiting(DateTimeOffset now)
    {
        if (Fold.CancelRequested)
        {
            return;
        }

        foreach (var i in Compiled.Order)
        {
            if (Steps[i].State == StepState.Waiting)
            {
                Decide(i, now, out var ended);
                if (ended)
                {
                    Settle(i, now);
                }
            }
        }
    }

    /// <summary>
    /// A step ended: each WAITING dependent its trigger rule now decides runs (if its condition
    /// holds) or is skipped, and the skips carry on downstream. A queue, not recursion: chains can be long.
    /// </summary>
    private void Settle(int ended, DateTimeOffset now)
    {
        if (Fold.CancelRequested)
        {
            return;
        }

        Queue<int>? queue = null;
        var current = ended;
        while (true)
        {
            foreach (var dependent in Graph.Dependents[current])
            {
                if (Steps[dependent].State == StepState.Waiting)
                {
                    Decide(dependent, now, out var alsoEnded);
                    if (alsoEnded)
                    {
                        (queue ??= new Queue<int>()).Enqueue(dependent);
                    }
                }
            }

            if (queue is null || !queue.TryDequeue(out current))
            {
                return;
            }
        }
    }

    /// <summary>Makes a WAITING step READY, skips it or leaves it; <paramref name="ended"/> when it became terminal.</summary>
    private void Decide(int step, DateTimeOffset now, out bool ended)
    {
        ended = false;
        switch (Trigger(step))
        {
            case Readiness.Run:
                ended = !Activate(step, now);
                break;
            case Readiness.Skip:
                Emit(new ExecutionEvent { StepSkipped = SkipAfterDependencies(step) }, now);
                ended = true;
                break;
        }
    }

    private Readiness Trigger(int step)
    {
        var count = Graph.Dependencies[step].Length;
        if (count == 0)
        {
            return Readiness.Run;
        }

        var done = Fold.DoneDependencies[step];
        var satisfied = count - Fold.PendingDependencies[step];
        var failed = Fold.FailedDependencies[step];
        return Compiled.Triggers[step] switch
        {
            TriggerRule.AllDone => done == count ? Readiness.Run : Readiness.Wait,
            TriggerRule.NoneFailed => failed > 0 ? Readiness.Skip : done == count ? Readiness.Run : Readiness.Wait,
            TriggerRule.OneSucceeded => satisfied > 0 ? Readiness.Run : done == count ? Readiness.Skip : Readiness.Wait,
            _ => satisfied == count ? Readiness.Run : done > satisfied ? Readiness.Skip : Readiness.Wait,
        };
    }

    /// <summary>Evaluates the step's condition: READY when it holds (or there is none); otherwise the step is skipped, or fails when the condition cannot be evaluated. Returns whether it became READY.</summary>
    private bool Activate(int step, DateTimeOffset now)
    {
        if (Compiled.Conditions[step] is { } condition)
        {
            bool holds;
            try
            {
                holds = condition.Evaluate(new ConditionScope(Fold.Execution.Input, ConditionOutput));
            }
            catch (ConditionException e)
            {
                var error = new StepError { Code = "INVALID_ARGUMENT", Message = $"the condition '{condition.Text}' cannot be evaluated: {e.Message}", Retryable = false };
                Emit(new ExecutionEvent { StepFailed = new StepFailed { StepId = Graph.Ids[step], Error = error, Continued = Graph.Steps[step].ContinueOnFailure } }, now);
                return false;
            }

            if (!holds)
            {
                Emit(new ExecutionEvent { StepSkipped = new StepSkipped { StepId = Graph.Ids[step], Reason = $"its condition '{condition.Text}' is false" } }, now);
                return false;
            }
        }

        MakeReady(step, now);
        return true;
    }

    /// <summary>What a condition reads as a step's output: the output of a succeeded step, the failure of a failed one, else null.</summary>
    private Google.Protobuf.WellKnownTypes.Struct? ConditionOutput(string stepId)
    {
        var state = Fold.Step(stepId);
        return state?.State switch
        {
            StepState.Succeeded => state.Output ?? new Google.Protobuf.WellKnownTypes.Struct(),
            StepState.Failed => AttemptRequestFactory.FailureAsOutput(state.Error),
            _ => null,
        };
    }

    /// <summary>The skip of a step whose trigger rule cannot be met, naming the dependency that decided it.</summary>
    private StepSkipped SkipAfterDependencies(int step)
    {
        var skipped = new StepSkipped { StepId = Graph.Ids[step] };
        if (Compiled.Triggers[step] == TriggerRule.OneSucceeded)
        {
            skipped.Reason = "none of its dependencies succeeded";
            return skipped;
        }

        var failedOnly = Compiled.Triggers[step] == TriggerRule.NoneFailed;
        foreach (var dependency in Graph.Dependencies[step])
        {
            var state = Steps[dependency].State;
            if (!ExecutionStateFold.IsTerminal(state) || Fold.Satisfies(dependency) || (failedOnly && !Fold.CountsAsFailed(dependency)))
            {
                continue;
            }

            var id = Graph.Ids[dependency];
            switch (state)
            {
                case StepState.Failed:
                    skipped.CauseStepId = id;
                    skipped.Reason = $"step '{id}' failed";
                    break;
                case StepState.Cancelled:
                    skipped.CauseStepId = id;
                    skipped.Reason = $"step '{id}' was cancelled";
                    break;
                default:
                    var cause = Fold.SkipCause[dependency];
                    skipped.CauseStepId = string.IsNullOrEmpty(cause) ? id : cause;
                    skipped.Reason = string.IsNullOrEmpty(cause) ? $"step '{id}' was skipped" : Steps[dependency].Reason;
                    break;
            }

            return skipped;
        }

        skipped.Reason = "its dependencies did not succeed";
        return skipped;
    }
}
