namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// Thrown by <see cref="IExecutionLeaseStore.AppendAsync"/> when the execution's epoch is no longer the
/// lease's: another owner took the execution over. Nothing was written; the caller must stop working on
/// the execution.
/// </summary>
public sealed class ExecutionLeaseLostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExecutionLeaseLostException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ExecutionLeaseLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public ExecutionLeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a lease of <paramref name="leaseEpoch"/> on an execution now at <paramref name="currentEpoch"/>.</summary>
    public ExecutionLeaseLostException(string executionId, long leaseEpoch, long currentEpoch)
        : base($"Execution '{executionId}': the lease of epoch {leaseEpoch} is lost (the execution is at epoch {currentEpoch}); nothing was written.")
    {
        ExecutionId = executionId;
        LeaseEpoch = leaseEpoch;
        CurrentEpoch = currentEpoch;
    }

    /// <summary>The execution.</summary>
    public string? ExecutionId { get; }

    /// <summary>The epoch of the lost lease.</summary>
    public long LeaseEpoch { get; }

    /// <summary>The execution's epoch now.</summary>
    public long CurrentEpoch { get; }
}
