using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Services.Internal;

/// <summary>Builds the RpcExceptions the services throw, with google.rpc error details.</summary>
internal static class RpcErrors
{
    /// <summary>The retry hint of a store error: the engine retries its own appends at most this far apart.</summary>
    private static readonly TimeSpan StoreRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A definition that failed validation: <c>INVALID_ARGUMENT</c> with every problem (unserved step
    /// types included) as <c>google.rpc.BadRequest</c> field violations when there is any definition
    /// problem; otherwise <c>FAILED_PRECONDITION</c> with every unserved step type as a
    /// <c>google.rpc.PreconditionFailure</c> violation.
    /// </summary>
    public static RpcException Invalid(WorkflowValidationResult result)
    {
        if (result.Problems.Count > 0)
        {
            return InvalidArgument(
                $"The workflow definition has {result.Problems.Count + result.UnservedStepTypes.Count} problem(s); see the google.rpc.BadRequest details.",
                result.Problems.Concat(result.UnservedStepTypes));
        }

        var failure = new PreconditionFailure();
        foreach (var problem in result.UnservedStepTypes)
        {
            failure.Violations.Add(new PreconditionFailure.Types.Violation { Type = "STEP_TYPE_NOT_SERVED", Subject = problem.Field, Description = problem.Description });
        }

        var problems = result.UnservedStepTypes.Select(p => p.Description).Distinct(StringComparer.Ordinal).ToList();
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.FailedPrecondition,
            Message = $"The workflow uses step types no executor serves ({result.UnservedStepTypes.Count} step(s)): {string.Join("; ", problems)}. Start or register an executor for them.",
            Details = { Any.Pack(failure) },
        };
        return status.ToRpcException();
    }

    /// <summary><c>INVALID_ARGUMENT</c> with the given field violations.</summary>
    public static RpcException InvalidArgument(string message, IEnumerable<ValidationProblem> problems)
    {
        var badRequest = new BadRequest();
        foreach (var problem in problems)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = problem.Field, Description = problem.Description });
        }

        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = message,
            Details = { Any.Pack(badRequest) },
        };
        return status.ToRpcException();
    }

    /// <summary><c>INVALID_ARGUMENT</c> for one missing or malformed request field.</summary>
    public static RpcException InvalidField(string field, string description)
        => InvalidArgument($"{field}: {description}", [new ValidationProblem { Field = field, Description = description }]);

    /// <summary><c>NOT_FOUND</c> for an unknown execution.</summary>
    public static RpcException ExecutionNotFound(string executionId)
        => new(new Grpc.Core.Status(StatusCode.NotFound, $"Execution '{executionId}' does not exist."));

    /// <summary><c>RESOURCE_EXHAUSTED</c> past the admission limit, with a retry hint.</summary>
    public static RpcException AdmissionRejected(string message)
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = message,
            Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) }) },
        };
        return status.ToRpcException();
    }

    /// <summary>
    /// A store that cannot write or read: <c>RESOURCE_EXHAUSTED</c> for a full disk, <c>UNAVAILABLE</c>
    /// otherwise, with the cause, a <c>google.rpc.ErrorInfo</c> naming it (<c>STORE_DISK_FULL</c>,
    /// <c>STORE_READ_ONLY</c>, <c>STORE_DAMAGED</c>, <c>STORE_UNAVAILABLE</c>) and a <c>google.rpc.RetryInfo</c>.
    /// </summary>
    public static RpcException StoreUnavailable(StoreUnavailableException exception)
    {
        var reason = exception.Reason switch
        {
            StoreFailureReason.DiskFull => "STORE_DISK_FULL",
            StoreFailureReason.ReadOnly => "STORE_READ_ONLY",
            StoreFailureReason.Damaged => "STORE_DAMAGED",
            _ => "STORE_UNAVAILABLE",
        };
        var status = new Google.Rpc.Status
        {
            Code = (int)(exception.Reason == StoreFailureReason.DiskFull ? Code.ResourceExhausted : Code.Unavailable),
            Message = exception.Message,
            Details =
            {
                Any.Pack(new ErrorInfo { Reason = reason, Domain = "grpcworkflows.dev" }),
                Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(StoreRetryDelay) }),
            },
        };
        return status.ToRpcException();
    }

    /// <summary><c>FAILED_PRECONDITION</c> with a message.</summary>
    public static RpcException FailedPrecondition(string message) => new(new Grpc.Core.Status(StatusCode.FailedPrecondition, message));
}
