namespace GrpcWorkflows.Plugins.Process.Json;

/// <summary>A field path could not be followed or written; the rule engine turns it into the step's error.</summary>
public sealed class FieldPathException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FieldPathException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public FieldPathException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public FieldPathException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
