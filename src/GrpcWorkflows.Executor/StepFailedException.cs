using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Executor;

/// <summary>
/// Thrown by a step handler to fail the attempt with an explicit code and retry decision. The SDK returns it as
/// <c>ExecuteStepResponse.error</c> (and <c>retry_after</c>), never as a gRPC status.
/// </summary>
public class StepFailedException : Exception
{
    /// <summary>The code of the <c>INVALID_ARGUMENT</c> errors made by <see cref="InvalidInput"/>.</summary>
    public const string InvalidArgumentCode = "INVALID_ARGUMENT";

    /// <summary>Creates a non-retryable <c>INTERNAL</c> failure.</summary>
    public StepFailedException()
        : this("INTERNAL", "The step failed.", retryable: false)
    {
    }

    /// <summary>Creates a non-retryable <c>INTERNAL</c> failure with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public StepFailedException(string message)
        : this("INTERNAL", message, retryable: false)
    {
    }

    /// <summary>Creates a non-retryable <c>INTERNAL</c> failure with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause (logged, never sent).</param>
    public StepFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "INTERNAL";
    }

    /// <summary>Creates a failure.</summary>
    /// <param name="code">A machine-readable code: a gRPC status code name or an executor-defined code.</param>
    /// <param name="message">What went wrong, for a human; never a stack trace.</param>
    /// <param name="retryable">Whether the orchestrator may retry the attempt.</param>
    /// <param name="retryAfter">For a retryable failure, the smallest delay before the next attempt.</param>
    /// <param name="details">Structured details for the client.</param>
    /// <param name="innerException">The cause (logged, never sent).</param>
    public StepFailedException(
        string code,
        string message,
        bool retryable,
        TimeSpan? retryAfter = null,
        Struct? details = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        Code = code;
        IsRetryable = retryable;
        RetryAfter = retryAfter;
        Details = details;
    }

    /// <summary>The machine-readable code, for example <c>INVALID_ARGUMENT</c> or <c>UNAVAILABLE</c>.</summary>
    public string Code { get; }

    /// <summary>Whether the orchestrator may retry the attempt.</summary>
    /// <remarks>Named <c>IsRetryable</c> because the factory <see cref="Retryable"/> takes the plain name.</remarks>
    public bool IsRetryable { get; }

    /// <summary>For a retryable failure: the smallest delay the executor asks for before the next attempt.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Structured details sent with the error, if any.</summary>
    public Struct? Details { get; }

    /// <summary>A failure the orchestrator must not retry.</summary>
    /// <param name="code">The code, for example <c>FAILED_PRECONDITION</c>.</param>
    /// <param name="message">What went wrong.</param>
    /// <returns>The exception to throw.</returns>
    public static StepFailedException NonRetryable(string code, string message) => new(code, message, retryable: false);

    /// <summary>A failure the orchestrator may retry, optionally no sooner than <paramref name="retryAfter"/>.</summary>
    /// <param name="code">The code, for example <c>UNAVAILABLE</c>.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="retryAfter">The smallest delay before the next attempt.</param>
    /// <returns>The exception to throw.</returns>
    public static StepFailedException Retryable(string code, string message, TimeSpan? retryAfter = null) =>
        new(code, message, retryable: true, retryAfter);

    /// <summary>The step's input is invalid: code <c>INVALID_ARGUMENT</c>, not retryable.</summary>
    /// <param name="message">What is wrong with the input, naming the field.</param>
    /// <param name="details">Structured details, for example every violation.</param>
    /// <returns>The exception to throw.</returns>
    public static StepFailedException InvalidInput(string message, Struct? details = null) =>
        new(InvalidArgumentCode, message, retryable: false, details: details);
}
