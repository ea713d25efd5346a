using Grpc.Core;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Retry;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Dispatch.Internal;

/// <summary>Turns what came back from an executor call into the engine's <see cref="StepAttemptResult"/>.</summary>
internal static class AttemptOutcomes
{
    /// <summary>
    /// No endpoint of the step type that serves <paramref name="executionNamespace"/> can be called: none registered,
    /// none whose credential covers the namespace, or each unreachable or with its circuit open.
    /// </summary>
    public static StepAttemptResult NoCallableEndpoint(string stepType, string executionNamespace, ExecutorEndpoint[] endpoints)
    {
        if (endpoints.Length == 0)
        {
            return StepAttemptResult.Undelivered($"No executor is registered for step type '{stepType}'.");
        }

        var serving = endpoints.Where(e => e.Serves(executionNamespace)).ToArray();
        if (serving.Length == 0)
        {
            return StepAttemptResult.Undelivered(
                $"No executor of step type '{stepType}' serves the namespace '{executionNamespace}': the credentials of its {endpoints.Length} executor(s) cover other namespaces. "
                + "Register or connect an executor with a credential that covers it (Auth:ApiKeys:N:Namespaces, or the token's namespaces claim).");
        }

        endpoints = serving;

        var why = string.Join("; ", endpoints.Select(e => e.UnreachableReason ?? $"the circuit of executor {e.Address} is open"));
        return StepAttemptResult.Undelivered($"No executor of step type '{stepType}' can be called: {why}");
    }

    /// <summary>An executor's answer: its output, or the in-band error it chose (with its retry-after).</summary>
    public static StepAttemptResult FromResponse(ExecuteStepResponse response, ExecutorEndpoint endpoint) => FromResponse(response, endpoint.Address);

    /// <summary>An executor's answer, from <paramref name="address"/> (an endpoint or a session): its output, or its in-band error.</summary>
    public static StepAttemptResult FromResponse(ExecuteStepResponse response, string address)
    {
        if (response.Error is null)
        {
            return StepAttemptResult.Success(response.Output ?? new Google.Protobuf.WellKnownTypes.Struct(), address);
        }

        var error = response.Error;
        if (string.IsNullOrEmpty(error.Code))
        {
            error.Code = "UNKNOWN";
        }

        return new StepAttemptResult(null, error, response.RetryAfter?.ToTimeSpan(), address);
    }

    /// <summary>A status an executor's session result carries instead of a response: classified as an <c>ExecuteStep</c> call that returned it.</summary>
    public static StepAttemptResult FromStatus(StatusCode code, string detail, string address)
        => new(null, RetryClassification.FromStatus(StatusCodes.Name(code), detail), null, address);

    /// <summary>
    /// A non-OK status: a transport failure before any response (undelivered: fail over, not an
    /// attempt), a connection broken mid-answer (a retryable attempt), or a status the executor
    /// returned (classified by <see cref="RetryClassification"/>, retry-after from <c>google.rpc.RetryInfo</c>).
    /// </summary>
    public static StepAttemptResult FromRpcException(RpcException ex, ExecutorEndpoint endpoint)
    {
        var transport = ex.Status.DebugException is not null;
        if (transport && ex.StatusCode == StatusCode.Unavailable)
        {
            // Connection refused, or reset before any response: the call never reached an executor. Not an attempt.
            var cause = ex.Status.DebugException!.InnerException?.Message ?? ex.Status.DebugException.Message;
            return StepAttemptResult.Undelivered($"Executor {endpoint.Address} is unreachable: {ex.Status.Detail} ({cause})", endpoint.Address);
        }

        if (transport && ex.StatusCode is StatusCode.Internal or StatusCode.Unknown)
        {
            // The connection broke after the executor started answering: a retryable failed attempt.
            return StepAttemptResult.Failure("UNAVAILABLE", $"The call to executor {endpoint.Address} broke: {ex.Status.Detail}", retryable: true, endpoint: endpoint.Address);
        }

        // A status the executor returned, or a deadline. Retry-after: google.rpc.RetryInfo in the status details.
        TimeSpan? retryAfter = null;
        if (ex.StatusCode != StatusCode.DeadlineExceeded)
        {
            retryAfter = Grpc.Core.RpcExceptionExtensions.GetRpcStatus(ex)?.GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay?.ToTimeSpan();
        }

        return new StepAttemptResult(null, RetryClassification.FromStatus(StatusCodes.Name(ex.StatusCode), ex.Status.Detail), retryAfter, endpoint.Address);
    }
}
