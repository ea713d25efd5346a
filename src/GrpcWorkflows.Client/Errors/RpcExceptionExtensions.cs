using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Errors;

/// <summary>Reads the orchestrator's error details from an <see cref="RpcException"/>.</summary>
public static class RpcExceptionExtensions
{
    /// <summary>
    /// The validation problems the orchestrator attached to an error: the <c>google.rpc.BadRequest</c>
    /// field violations of an <c>INVALID_ARGUMENT</c> (field path and description), and the
    /// <c>google.rpc.PreconditionFailure</c> violations of a <c>FAILED_PRECONDITION</c> (a step type no
    /// executor serves; the subject is the field path). Empty when the error carries none.
    /// </summary>
    public static IReadOnlyList<ValidationProblem> GetValidationProblems(this RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var status = exception.GetRpcStatus();
        if (status is null)
        {
            return [];
        }

        var problems = new List<ValidationProblem>();
        if (status.GetDetail<BadRequest>() is { } badRequest)
        {
            problems.AddRange(badRequest.FieldViolations.Select(v => new ValidationProblem { Field = v.Field, Description = v.Description }));
        }

        if (status.GetDetail<PreconditionFailure>() is { } precondition)
        {
            problems.AddRange(precondition.Violations.Select(v => new ValidationProblem { Field = v.Subject, Description = v.Description }));
        }

        return problems;
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
