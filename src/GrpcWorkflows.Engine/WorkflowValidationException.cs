using GrpcWorkflows.Engine.Validation;

namespace GrpcWorkflows.Engine;

/// <summary>Thrown by <see cref="WorkflowEngine.SubmitAsync"/> when the definition is not valid; <see cref="Result"/> lists every problem.</summary>
public sealed class WorkflowValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkflowValidationException()
    {
        Result = WorkflowValidationResult.Empty;
    }

    /// <summary>Creates the exception with a message.</summary>
    public WorkflowValidationException(string message)
        : base(message)
    {
        Result = WorkflowValidationResult.Empty;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public WorkflowValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Result = WorkflowValidationResult.Empty;
    }

    /// <summary>Creates the exception for a failed validation.</summary>
    public WorkflowValidationException(WorkflowValidationResult result)
        : base(result.Describe())
    {
        Result = result;
    }

    /// <summary>The validation result: every problem and every unserved step type.</summary>
    public WorkflowValidationResult Result { get; }
}
