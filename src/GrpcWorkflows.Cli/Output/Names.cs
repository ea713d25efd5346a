using Grpc.Core;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Output;

/// <summary>Short printable names of states and codes.</summary>
internal static class Names
{
    public static string Of(ExecutionState state) => state switch
    {
        ExecutionState.Pending => "PENDING",
        ExecutionState.Running => "RUNNING",
        ExecutionState.Succeeded => "SUCCEEDED",
        ExecutionState.Failed => "FAILED",
        ExecutionState.Cancelled => "CANCELLED",
        _ => "UNKNOWN",
    };

    public static string Of(StepState state) => state switch
    {
        StepState.Waiting => "waiting",
        StepState.Ready => "ready",
        StepState.Running => "running",
        StepState.RetryWait => "retry-wait",
        StepState.Succeeded => "succeeded",
        StepState.Failed => "failed",
        StepState.Skipped => "skipped",
        StepState.Cancelled => "cancelled",
        StepState.Suspended => "suspended",
        _ => "?",
    };

    public static string Of(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        StatusCode.Unimplemented => "UNIMPLEMENTED",
        StatusCode.Internal => "INTERNAL",
        _ => code.ToString().ToUpperInvariant(),
    };

    /// <summary>The state a user types after <c>--state</c>: <c>failed</c>, <c>FAILED</c> or <c>EXECUTION_STATE_FAILED</c>.</summary>
    public static ExecutionState? ParseExecutionState(string text)
    {
        var name = text.Trim().ToUpperInvariant();
        if (name.StartsWith("EXECUTION_STATE_", StringComparison.Ordinal))
        {
            name = name["EXECUTION_STATE_".Length..];
        }

        return name switch
        {
            "PENDING" => ExecutionState.Pending,
            "RUNNING" => ExecutionState.Running,
            "SUCCEEDED" => ExecutionState.Succeeded,
            "FAILED" => ExecutionState.Failed,
            "CANCELLED" or "CANCELED" => ExecutionState.Cancelled,
            _ => null,
        };
    }

    /// <summary>A duration as definitions write them: <c>250ms</c>, <c>2s</c>, <c>1.25s</c>, <c>1m30s</c>, <c>2h05m</c>.</summary>
    public static string Of(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 0 => "0ms",
        < 1 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0}ms"),
        < 60 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.##}s"),
        < 3600 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes}m{duration.Seconds:00}s"),
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(int)duration.TotalHours}h{duration.Minutes:00}m"),
    };
}
