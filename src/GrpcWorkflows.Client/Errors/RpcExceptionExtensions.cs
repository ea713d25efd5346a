using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Errors;

/// <summary>Reads the orchestrator's error details from an <see cref="RpcException"/>.</summary>
public static class RpcExceptionExtensions
{
    /// <summary>
    /// The validation problems the orchestrator attached to an <c>INVALID_ARGUMENT</c> or
    /// <c>FAILED_PRECONDITION</c> error as <c>google.rpc.BadRequest</c> field violations
    /// (field path and description); empty when the error carries none.
    /// </summary>
    public static IReadOnlyList<ValidationProblem> GetValidationProblems(this RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var status = exception.GetRpcStatus();
        var badRequest = status?.GetDetail<BadRequest>();
        if (badRequest is null)
        {
            return [];
        }

        return [.. badRequest.FieldViolations.Select(v => new ValidationProblem { Field = v.Field, Description = v.Description })];
    }

    /// <summary>
    /// Whether the call failed because the orchestrator could not be reached or the connection
    /// broke (<c>UNAVAILABLE</c>, <c>INTERNAL</c> from a broken stream, or a transport exception),
    /// as opposed to an answer from the orchestrator.
    /// </summary>
    public static bool IsTransportFailure(this RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.StatusCode is StatusCode.Unavailable or StatusCode.Internal
            || exception.InnerException is HttpRequestException or IOException;
    }
}
