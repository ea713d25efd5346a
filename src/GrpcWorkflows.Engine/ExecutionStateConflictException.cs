using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>Thrown when an operation does not fit the execution's state (for example retrying a running execution).</summary>
public sealed class ExecutionStateConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExecutionStateConflictException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ExecutionStateConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public ExecutionStateConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an execution found in a state the operation does not accept.</summary>
    public ExecutionStateConflictException(string executionId, ExecutionState state, string message)
        : base(message)
    {
        ExecutionId = executionId;
        State = state;
    }

    /// <summary>The execution concerned.</summary>
    public string? ExecutionId { get; }

    /// <summary>The state the execution was in.</summary>
    public ExecutionState State { get; }
}
