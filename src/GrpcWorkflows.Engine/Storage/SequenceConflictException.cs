namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// Thrown by <see cref="IExecutionStore.AppendAsync"/> when the events do not continue the log
/// without a gap: another writer appended first, or the caller lost track of the sequence.
/// </summary>
public sealed class SequenceConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SequenceConflictException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SequenceConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public SequenceConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an execution whose next sequence was expected but another was given.</summary>
    public SequenceConflictException(string executionId, long expectedSequence, long actualSequence)
        : base($"Execution '{executionId}': expected event sequence {expectedSequence}, got {actualSequence}.")
    {
        ExecutionId = executionId;
        ExpectedSequence = expectedSequence;
        ActualSequence = actualSequence;
    }

    /// <summary>The execution whose log was appended to.</summary>
    public string? ExecutionId { get; }

    /// <summary>The sequence the store expected next.</summary>
    public long ExpectedSequence { get; }

    /// <summary>The first sequence given.</summary>
    public long ActualSequence { get; }
}
