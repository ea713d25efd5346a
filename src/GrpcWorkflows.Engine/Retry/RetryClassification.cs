using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Retry;

/// <summary>
/// The one retry contract of GrpcWorkflows: which gRPC status codes an executor may return are
/// retried, and how a <see cref="StepError"/> decides whether its step is retried. The proto
/// comment in <c>executor.proto</c>, docs/definition-format.md and docs/tutorial.md state the same
/// table; a test compares them with <see cref="StatusCodeRetried"/>.
/// </summary>
/// <remarks>
/// Two layers, applied in this order:
/// <list type="number">
/// <item>An executor that answers with a non-OK gRPC status gets a <see cref="StepError"/> whose
/// <c>retryable</c> flag comes from <see cref="StatusCodeRetried"/>. An executor that answers with an
/// in-band <see cref="StepError"/> sets the flag itself: the flag is its decision, the code is
/// information.</item>
/// <item><see cref="ShouldRetry"/>: a step is retried when the error's flag says so, unless the
/// error's code is one of the step's <c>non_retryable_codes</c> (the workflow author overrides the
/// executor), and only while attempts remain.</item>
/// </list>
/// <c>UNKNOWN</c> and <c>INTERNAL</c> are retried: they are what most gRPC stacks answer for an
/// unhandled exception, and other engines (Temporal, Conductor, Hatchet) retry unhandled failures.
/// </remarks>
public static class RetryClassification
{
    /// <summary>
    /// Every non-OK gRPC status code name and whether a status with it is retried. <c>OK</c> is a
    /// success: an empty response (no output, no error) is a success with an empty output.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, bool> StatusCodeRetried = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["CANCELLED"] = true,
        ["UNKNOWN"] = true,
        ["INVALID_ARGUMENT"] = false,
        ["DEADLINE_EXCEEDED"] = true,
        ["NOT_FOUND"] = false,
        ["ALREADY_EXISTS"] = false,
        ["PERMISSION_DENIED"] = false,
        ["RESOURCE_EXHAUSTED"] = true,
        ["FAILED_PRECONDITION"] = false,
        ["ABORTED"] = true,
        ["OUT_OF_RANGE"] = false,
        ["UNIMPLEMENTED"] = false,
        ["INTERNAL"] = true,
        ["UNAVAILABLE"] = true,
        ["DATA_LOSS"] = false,
        ["UNAUTHENTICATED"] = false,
    };

    /// <summary>Whether a gRPC status with code <paramref name="codeName"/> (for example <c>UNAVAILABLE</c>) is retried; an unknown name is not.</summary>
    public static bool IsRetriedStatus(string codeName) => StatusCodeRetried.TryGetValue(codeName, out var retried) && retried;

    /// <summary>The error of an executor's non-OK gRPC status: its code, its message, and the flag from the table.</summary>
    public static StepError FromStatus(string codeName, string message) => new() { Code = codeName, Message = message, Retryable = IsRetriedStatus(codeName) };

    /// <summary>
    /// Whether an attempt that failed with <paramref name="error"/> may be retried, attempts aside:
    /// its <c>retryable</c> flag, unless its code is in <paramref name="nonRetryableCodes"/>.
    /// </summary>
    public static bool ShouldRetry(StepError error, IReadOnlySet<string> nonRetryableCodes)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(nonRetryableCodes);
        return error.Retryable && !nonRetryableCodes.Contains(error.Code);
    }
}
