using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Running;

/// <summary>A definition file that cannot be read as a definition: every problem, with its field path.</summary>
public sealed class DefinitionFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DefinitionFileException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DefinitionFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public DefinitionFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a file and its problems.</summary>
    public DefinitionFileException(string file, IReadOnlyList<ValidationProblem> problems, string message, Exception innerException)
        : base(message, innerException)
    {
        File = file;
        Problems = problems;
    }

    /// <summary>The file as the user named it.</summary>
    public string File { get; } = string.Empty;

    /// <summary>Every problem found; empty when the message says it all (an unknown extension, an unreadable file).</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; } = [];
}
