using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Dispatch;

/// <summary>The outcome of one attempt.</summary>
/// <param name="Output">The step's output when the attempt succeeded; null when it failed.</param>
/// <param name="Error">The error when the attempt failed; null when it succeeded.</param>
/// <param name="RetryAfter">The smallest delay the executor asked for before a retry, if any.</param>
/// <param name="Endpoint">The endpoint that served the attempt, when known.</param>
public sealed record StepAttemptResult(Struct? Output, StepError? Error, TimeSpan? RetryAfter = null, string? Endpoint = null)
{
    /// <summary>A successful attempt.</summary>
    public static StepAttemptResult Success(Struct output, string? endpoint = null) => new(output, null, null, endpoint);

    /// <summary>A failed attempt.</summary>
    public static StepAttemptResult Failure(string code, string message, bool retryable, TimeSpan? retryAfter = null, string? endpoint = null)
        => new(null, new StepError { Code = code, Message = message, Retryable = retryable }, retryAfter, endpoint);

    /// <summary>
    /// The call never reached an executor (connection refused or reset before any response, circuit
    /// open, no executor registered): not an attempt. <paramref name="reason"/> says why, for people.
    /// </summary>
    public static StepAttemptResult Undelivered(string reason, string? endpoint = null)
        => new(null, new StepError { Code = "UNAVAILABLE", Message = reason, Retryable = true }, null, endpoint) { ReachedExecutor = false };

    /// <summary>Whether the attempt succeeded.</summary>
    public bool Succeeded => Error is null;

    /// <summary>
    /// Whether the call reached an executor. False for <see cref="Undelivered"/>: the engine does not
    /// count it as an attempt and waits for a callable executor instead.
    /// </summary>
    public bool ReachedExecutor { get; init; } = true;
}
