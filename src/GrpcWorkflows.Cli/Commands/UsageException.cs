namespace GrpcWorkflows.Cli.Commands;

/// <summary>A mistake in the command line or its files; printed as one line, exit code <see cref="ExitCodes.BadInput"/>.</summary>
public sealed class UsageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UsageException()
    {
    }

    /// <summary>Creates the exception with the message to print.</summary>
    public UsageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the message to print and its cause.</summary>
    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
