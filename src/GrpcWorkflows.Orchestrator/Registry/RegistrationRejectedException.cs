using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>Thrown by <see cref="ExecutorRegistry.RegisterAsync"/> when a registration breaks a rule: every problem, by field.</summary>
internal sealed class RegistrationRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RegistrationRejectedException()
        : this([])
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RegistrationRejectedException(string message)
        : base(message)
    {
        Problems = [];
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RegistrationRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    /// <summary>Creates the exception for <paramref name="problems"/>.</summary>
    public RegistrationRejectedException(IReadOnlyList<ValidationProblem> problems)
        : base($"The registration has {problems.Count} problem(s)")
    {
        Problems = problems;
    }

    /// <summary>What is wrong, field by field.</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; }
}
