using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Definitions;

/// <summary>
/// Thrown by <see cref="WorkflowDefinitionLoader"/> when a document cannot be read as a workflow
/// definition. The message names the file (when there is one), the line and column or the field
/// path of each problem; <see cref="Problems"/> lists them.
/// </summary>
public sealed class DefinitionFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DefinitionFormatException()
    {
        Problems = [];
    }

    /// <summary>Creates the exception with a message.</summary>
    public DefinitionFormatException(string message)
        : base(message)
    {
        Problems = [new ValidationProblem { Description = message }];
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public DefinitionFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [new ValidationProblem { Description = message }];
    }

    /// <summary>Creates the exception for a list of problems found in a document.</summary>
    public DefinitionFormatException(string message, IReadOnlyList<ValidationProblem> problems, Exception? innerException = null)
        : base(message, innerException)
    {
        Problems = problems;
    }

    /// <summary>The problems: the field path (when known) and a description naming the line and column.</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; }
}
