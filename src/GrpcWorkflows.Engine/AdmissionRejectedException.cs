namespace GrpcWorkflows.Engine;

/// <summary>
/// Thrown by <see cref="WorkflowEngine.SubmitAsync"/> when <see cref="EngineOptions.MaxActiveExecutions"/>
/// executions are already active. Nothing was persisted; the client may try again later.
/// </summary>
public sealed class AdmissionRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AdmissionRejectedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AdmissionRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public AdmissionRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the limit that was reached.</summary>
    public AdmissionRejectedException(int maxActiveExecutions)
        : base($"{maxActiveExecutions} executions are already active (EngineOptions.MaxActiveExecutions); try again later.")
    {
        MaxActiveExecutions = maxActiveExecutions;
    }

    /// <summary>The limit that was reached.</summary>
    public int MaxActiveExecutions { get; }
}
