namespace GrpcWorkflows.Engine;

/// <summary>Thrown when an execution id names no execution.</summary>
public sealed class ExecutionNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExecutionNotFoundException()
    {
    }

    /// <summary>Creates the exception for an execution id.</summary>
    public ExecutionNotFoundException(string executionId)
        : base($"Execution '{executionId}' does not exist.")
    {
        ExecutionId = executionId;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public ExecutionNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The execution id that was not found.</summary>
    public string? ExecutionId { get; }
}
