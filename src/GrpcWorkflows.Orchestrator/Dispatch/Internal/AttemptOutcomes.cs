using Grpc.Core;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Retry;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Dispatch.Internal;

/// <summary>Turns what came back from an executor call into the engine's <see cref="StepAttemptResult"/>.</summary>
internal static class AttemptOutcomes
{
    /// <summary>No endpoint of the step type could be called.</summary>
    public static StepAttemptResult NoEndpoint(string stepType)
        => StepAttemptResult.Failure("UNAVAILABLE", $"No reachable executor serves step type '{stepType}'.", retryable: true);

    /// <summary>An executor's answer: its output, or the in-band error it chose (with its retry-after).</summary>
    public static StepAttemptResult FromResponse(ExecuteStepResponse response, ExecutorEndpoint endpoint)
    {
        if (response.Error is null)
        {
            return StepAttemptResult.Success(response.Output ?? new Google.Protobuf.WellKnownTypes.Struct(), endpoint.Address);
        }

        var error = response.Error;
        if (string.IsNullOrEmpty(error.Code))
        {
            error.Code = "UNKNOWN";
        }

        return new StepAttemptResult(null, error, response.RetryAfter?.ToTimeSpan(), endpoint.Address);
    }

    /// <summary>
    /// A non-OK status: a transport failure before the executor (fail over), a connection broken
    /// mid-call (retryable), or a status the executor returned (classified by code, retry-after from
    /// <c>google.rpc.RetryInfo</c>).
    /// </summary>
    public static (StepAttemptResult Result, bool TransportFailure) FromRpcException(RpcException ex, ExecutorEndpoint endpoint)
    {
        var transport = ex.Status.DebugException is not null;
        if (transport && ex.StatusCode == StatusCode.Unavailable)
        {
            // Connection refused, reset or lost: the call may not have reached the executor. Fail over.
            return (StepAttemptResult.Failure("UNAVAILABLE", $"Executor {endpoint.Address} is unreachable: {ex.Status.Detail}", retryable: true, endpoint: endpoint.Address), true);
        }

        if (transport && ex.StatusCode is StatusCode.Internal or StatusCode.Unknown)
        {
            // The connection broke during the call (the executor died): retry the attempt.
            return (StepAttemptResult.Failure("UNAVAILABLE", $"The call to executor {endpoint.Address} broke: {ex.Status.Detail}", retryable: true, endpoint: endpoint.Address), false);
        }

        // A status the executor returned, or a deadline. Retry-after: google.rpc.RetryInfo in the status details.
        TimeSpan? retryAfter = null;
        if (ex.StatusCode != StatusCode.DeadlineExceeded)
        {
            retryAfter = Grpc.Core.RpcExceptionExtensions.GetRpcStatus(ex)?.GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay?.ToTimeSpan();
        }

        return (new StepAttemptResult(null, RetryClassification.FromStatus(StatusCodes.Name(ex.StatusCode), ex.Status.Detail), retryAfter, endpoint.Address), false);
    }
}
