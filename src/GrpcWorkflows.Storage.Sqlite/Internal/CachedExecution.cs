using GrpcWorkflows.V1;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>
/// What the writer keeps in memory about an execution it writes to: enough to check the next
/// sequence and to update the indexed row without reading it. Touched by the writer only.
/// </summary>
internal sealed class CachedExecution
{
    public CachedExecution(long key, long lastSequence, ExecutionState state, long? endTimeTicks, HashSet<string> succeededSteps)
    {
        Key = key;
        LastSequence = lastSequence;
        State = state;
        EndTimeTicks = endTimeTicks;
        SucceededSteps = succeededSteps;
    }

    /// <summary>The row's <c>execution_key</c>.</summary>
    public long Key { get; }

    public long LastSequence { get; set; }

    public ExecutionState State { get; set; }

    public long? EndTimeTicks { get; set; }

    public HashSet<string> SucceededSteps { get; }

    public bool IsTerminal => State is ExecutionState.Succeeded or ExecutionState.Failed or ExecutionState.Cancelled;

    /// <summary>Folds one event into the facts (the store's derived state rules).</summary>
    public void Apply(ExecutionEvent @event, long fallbackTimeTicks)
    {
        LastSequence = @event.Sequence;
        switch (@event.KindCase)
        {
            case ExecutionEvent.KindOneofCase.Started:
                State = ExecutionState.Running;
                break;
            case ExecutionEvent.KindOneofCase.Retried:
                State = ExecutionState.Running;
                EndTimeTicks = null;
                break;
            case ExecutionEvent.KindOneofCase.Finished:
                State = @event.Finished.State;
                EndTimeTicks = @event.Time?.ToDateTimeOffset().UtcTicks ?? fallbackTimeTicks;
                break;
            default:
                ApplyStep(@event);
                break;
        }
    }

    /// <summary>Folds a step's terminal event into <see cref="SucceededSteps"/>.</summary>
    public void ApplyStep(ExecutionEvent @event)
    {
        switch (@event.KindCase)
        {
            case ExecutionEvent.KindOneofCase.StepSucceeded:
                SucceededSteps.Add(@event.StepSucceeded.StepId);
                break;
            case ExecutionEvent.KindOneofCase.StepFailed:
                SucceededSteps.Remove(@event.StepFailed.StepId);
                break;
            case ExecutionEvent.KindOneofCase.StepSkipped:
                SucceededSteps.Remove(@event.StepSkipped.StepId);
                break;
            case ExecutionEvent.KindOneofCase.StepCancelled:
                SucceededSteps.Remove(@event.StepCancelled.StepId);
                break;
            default:
                break;
        }
    }
}
