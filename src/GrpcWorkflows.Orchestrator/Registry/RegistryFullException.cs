namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>Thrown by <see cref="ExecutorRegistry.RegisterAsync"/> when <see cref="ExecutorRegistryOptions.MaxRegistrations"/> executors are registered.</summary>
internal sealed class RegistryFullException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RegistryFullException()
        : base("The executor registry is full.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RegistryFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RegistryFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a registry that holds <paramref name="limit"/> registrations.</summary>
    public RegistryFullException(int limit)
        : base($"{limit} executors are registered, the limit (Executors:MaxRegistrations); deregister one or raise the limit.")
    {
    }
}
