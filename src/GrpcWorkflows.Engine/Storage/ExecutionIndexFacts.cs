using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// The indexed facts an <see cref="IExecutionStore"/> derives from an execution's events: its
/// state, its end time and the steps whose latest terminal event is a success. Every store folds
/// them with this one class, so they all follow the derivation rules documented on
/// <see cref="IExecutionStore"/>.
/// </summary>
/// <remarks>Not thread-safe: the owning store serializes access to an execution's facts.</remarks>
public sealed class ExecutionIndexFacts
{
    private readonly HashSet<string> _succeededSteps = new(StringComparer.Ordinal);

    /// <summary>Starts from a known state: PENDING for a new execution, or a stored row's state and end time.</summary>
    /// <param name="state">The state so far.</param>
    /// <param name="endTime">The end time so far, if the execution has finished.</param>
    public ExecutionIndexFacts(ExecutionState state = ExecutionState.Pending, DateTimeOffset? endTime = null)
    {
        State = state;
        EndTime = endTime;
    }

    /// <summary>The execution's state as of the last event applied.</summary>
    public ExecutionState State { get; private set; }

    /// <summary>When the execution reached its terminal state, or null while it runs.</summary>
    public DateTimeOffset? EndTime { get; private set; }

    /// <summary>The number of steps whose latest terminal event is a success.</summary>
    public int SucceededStepCount => _succeededSteps.Count;

    /// <summary>Whether <see cref="State"/> is terminal.</summary>
    public bool IsTerminal => IsTerminalState(State);

    /// <summary>Whether an execution in <paramref name="state"/> has finished (SUCCEEDED, FAILED or CANCELLED).</summary>
    public static bool IsTerminalState(ExecutionState state) => state is ExecutionState.Succeeded or ExecutionState.Failed or ExecutionState.Cancelled;

    /// <summary>Folds one event into the facts.</summary>
    /// <param name="event">The event, in sequence order.</param>
    /// <param name="fallbackTime">The end time to record when a finished event carries no time.</param>
    public void Apply(ExecutionEvent @event, DateTimeOffset fallbackTime)
    {
        switch (@event.KindCase)
        {
            case ExecutionEvent.KindOneofCase.Started:
                State = ExecutionState.Running;
                break;
            case ExecutionEvent.KindOneofCase.Retried:
                State = ExecutionState.Running;
                EndTime = null;
                break;
            case ExecutionEvent.KindOneofCase.Finished:
                State = @event.Finished.State;
                EndTime = @event.Time?.ToDateTimeOffset() ?? fallbackTime;
                break;
            default:
                ApplyStep(@event);
                break;
        }
    }

    /// <summary>Folds a step's terminal event into the succeeded steps; other events change nothing.</summary>
    /// <param name="event">The event.</param>
    public void ApplyStep(ExecutionEvent @event)
    {
        switch (@event.KindCase)
        {
            case ExecutionEvent.KindOneofCase.StepSucceeded:
                _succeededSteps.Add(@event.StepSucceeded.StepId);
                break;
            case ExecutionEvent.KindOneofCase.StepFailed:
                _succeededSteps.Remove(@event.StepFailed.StepId);
                break;
            case ExecutionEvent.KindOneofCase.StepSkipped:
                _succeededSteps.Remove(@event.StepSkipped.StepId);
                break;
            case ExecutionEvent.KindOneofCase.StepCancelled:
                _succeededSteps.Remove(@event.StepCancelled.StepId);
                break;
            default:
                break;
        }
    }
}
