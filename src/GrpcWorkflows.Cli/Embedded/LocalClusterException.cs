namespace GrpcWorkflows.Cli.Embedded;

/// <summary>The local orchestrator or one of its executors could not be started.</summary>
public sealed class LocalClusterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LocalClusterException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public LocalClusterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public LocalClusterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
