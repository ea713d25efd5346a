using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>The argument checks every <see cref="IExecutionStore"/> implementation makes before writing.</summary>
public static class StoreArguments
{
    /// <summary>Checks that an execution's first event is a submitted event with sequence 1 and an execution id.</summary>
    public static void CheckFirstEvent(ExecutionEvent firstEvent)
    {
        if (string.IsNullOrEmpty(firstEvent.ExecutionId))
        {
            throw new ArgumentException("The first event has no execution id.", nameof(firstEvent));
        }

        if (firstEvent.KindCase != ExecutionEvent.KindOneofCase.Submitted)
        {
            throw new ArgumentException($"The first event of an execution must be a submitted event, not {firstEvent.KindCase}.", nameof(firstEvent));
        }

        if (firstEvent.Sequence != 1)
        {
            throw new ArgumentException($"The first event of an execution has sequence 1, not {firstEvent.Sequence}.", nameof(firstEvent));
        }
    }

    /// <summary>
    /// Checks that events are non-empty, belong to <paramref name="executionId"/>, are not submitted
    /// events, and have consecutive sequences among themselves (the store checks the first one).
    /// </summary>
    public static void CheckAppendedEvents(string executionId, IReadOnlyList<ExecutionEvent> events)
    {
        if (events.Count == 0)
        {
            throw new ArgumentException("No events to append.", nameof(events));
        }

        for (var index = 0; index < events.Count; index++)
        {
            var @event = events[index] ?? throw new ArgumentException($"Event {index} is null.", nameof(events));
            if (!string.Equals(@event.ExecutionId, executionId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Event {index} belongs to execution '{@event.ExecutionId}', not '{executionId}'.", nameof(events));
            }

            if (@event.KindCase is ExecutionEvent.KindOneofCase.Submitted or ExecutionEvent.KindOneofCase.None)
            {
                throw new ArgumentException($"Event {index} cannot be appended: its kind is {@event.KindCase}.", nameof(events));
            }

            if (index > 0 && @event.Sequence != events[index - 1].Sequence + 1)
            {
                throw new SequenceConflictException(executionId, events[index - 1].Sequence + 1, @event.Sequence);
            }
        }
    }
}
