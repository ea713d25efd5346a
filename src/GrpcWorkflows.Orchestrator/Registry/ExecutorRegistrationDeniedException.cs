namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>
/// Thrown by <see cref="ExecutorRegistry.RegisterAsync"/> when the caller's credential may not make the
/// registration: a step type it is not scoped to, or an endpoint another credential registered.
/// The services answer it with <c>PERMISSION_DENIED</c> and its message.
/// </summary>
internal sealed class ExecutorRegistrationDeniedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExecutorRegistrationDeniedException()
        : base("The credential may not make this registration.")
    {
    }

    /// <summary>Creates the exception with a message that says what to change.</summary>
    public ExecutorRegistrationDeniedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ExecutorRegistrationDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
