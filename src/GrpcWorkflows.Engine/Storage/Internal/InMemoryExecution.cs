using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage.Internal;

/// <summary>One execution held by <see cref="InMemoryExecutionStore"/>: its log and its derived index facts.</summary>
/// <remarks>Every member is guarded by <see cref="Gate"/>.</remarks>
internal sealed class InMemoryExecution
{
    private readonly List<ExecutionEvent> _events = [];
    private readonly HashSet<string> _succeededSteps = new(StringComparer.Ordinal);

    public InMemoryExecution(ExecutionEvent submittedEvent, DateTimeOffset createTime)
    {
        var submitted = submittedEvent.Submitted;
        ExecutionId = submittedEvent.ExecutionId;
        WorkflowId = submitted.Definition?.Id ?? string.Empty;
        CreateTime = createTime;
        IdempotencyKey = string.IsNullOrEmpty(submitted.IdempotencyKey) ? null : submitted.IdempotencyKey;
        StepCount = submitted.Definition?.Steps.Count ?? 0;
        Labels = ExecutionLabels.Of(submitted);
        State = ExecutionState.Pending;
        _events.Add(submittedEvent);
    }

    public Lock Gate { get; } = new();

    public string ExecutionId { get; }

    public string WorkflowId { get; }

    public DateTimeOffset CreateTime { get; }

    public string? IdempotencyKey { get; }

    public int StepCount { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public ExecutionState State { get; private set; }

    public DateTimeOffset? EndTime { get; private set; }

    public long LastSequence => _events.Count;

    public bool IsTerminal => ExecutionStates.IsTerminal(State);

    /// <summary>Appends events already checked to continue the log, and folds them into the index facts.</summary>
    public void Append(IReadOnlyList<ExecutionEvent> events, TimeProvider timeProvider)
    {
        foreach (var @event in events)
        {
            _events.Add(@event);
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
                    EndTime = @event.Time?.ToDateTimeOffset() ?? timeProvider.GetUtcNow();
                    break;
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

    /// <summary>Copies the events with sequence at least <paramref name="fromSequence"/>.</summary>
    public ExecutionEvent[] CopyEvents(long fromSequence)
    {
        var start = (int)Math.Clamp(fromSequence - 1, 0, _events.Count);
        return _events.GetRange(start, _events.Count - start).ToArray();
    }

    public ExecutionRecord ToRecord() => new(
        ExecutionId,
        WorkflowId,
        State,
        CreateTime,
        EndTime,
        LastSequence,
        IdempotencyKey,
        StepCount,
        _succeededSteps.Count,
        Labels);
}
