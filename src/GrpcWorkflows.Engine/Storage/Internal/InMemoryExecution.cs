using GrpcWorkflows.Engine.Namespaces;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage.Internal;

/// <summary>One execution held by <see cref="InMemoryExecutionStore"/>: its log and its derived index facts.</summary>
/// <remarks>Every member is guarded by <see cref="Gate"/>.</remarks>
internal sealed class InMemoryExecution
{
    private readonly List<ExecutionEvent> _events = [];
    private readonly ExecutionIndexFacts _facts = new();

    public InMemoryExecution(ExecutionEvent submittedEvent, DateTimeOffset createTime)
    {
        var submitted = submittedEvent.Submitted;
        ExecutionId = submittedEvent.ExecutionId;
        WorkflowId = submitted.Definition?.Id ?? string.Empty;
        CreateTime = createTime;
        IdempotencyKey = string.IsNullOrEmpty(submitted.IdempotencyKey) ? null : submitted.IdempotencyKey;
        StepCount = submitted.Definition?.Steps.Count ?? 0;
        Labels = ExecutionLabels.Of(submitted);
        Namespace = ExecutionNamespace.OrDefault(submitted.Namespace);
        _events.Add(submittedEvent);
    }

    public Lock Gate { get; } = new();

    public string ExecutionId { get; }

    public string WorkflowId { get; }

    public DateTimeOffset CreateTime { get; }

    public string? IdempotencyKey { get; }

    public string Namespace { get; }

    public int StepCount { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public ExecutionState State => _facts.State;

    public DateTimeOffset? EndTime => _facts.EndTime;

    public long LastSequence => _events.Count;

    public bool IsTerminal => _facts.IsTerminal;

    /// <summary>Appends events already checked to continue the log, and folds them into the index facts.</summary>
    public void Append(IReadOnlyList<ExecutionEvent> events, TimeProvider timeProvider)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var @event in events)
        {
            _events.Add(@event);
            _facts.Apply(@event, now);
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
        _facts.SucceededStepCount,
        Labels)
    {
        Namespace = Namespace,
    };
}
