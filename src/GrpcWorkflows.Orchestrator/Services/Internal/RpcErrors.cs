using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Services.Internal;

/// <summary>Builds the RpcExceptions the services throw, with google.rpc error details.</summary>
internal static class RpcErrors
{
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
                $"The workflow definition has {result.Problems.Count + result.UnservedStepTypes.Count} problem(s)",
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

    /// <summary>The most problems spelled out in a status message (all of them are in the details).</summary>
    public const int MaxProblemsInMessage = 20;

    /// <summary>
    /// <c>INVALID_ARGUMENT</c> with the given field violations, listed twice: in the status message as
    /// <c>summary: field: problem; field: problem</c> (readable with any gRPC library, up to
    /// <see cref="MaxProblemsInMessage"/> of them) and as <c>google.rpc.BadRequest</c> details.
    /// </summary>
    public static RpcException InvalidArgument(string summary, IEnumerable<ValidationProblem> problems)
    {
        var list = problems.ToList();
        var text = string.Join("; ", list.Take(MaxProblemsInMessage).Select(p => $"{p.Field}: {p.Description}"));
        if (list.Count > MaxProblemsInMessage)
        {
            text += $"; and {list.Count - MaxProblemsInMessage} more in the google.rpc.BadRequest details";
        }

        return BadRequestStatus($"{summary}: {text}", list);
    }

    /// <summary><c>INVALID_ARGUMENT</c> for one missing or malformed request field.</summary>
    public static RpcException InvalidField(string field, string description)
        => BadRequestStatus($"{field}: {description}", [new ValidationProblem { Field = field, Description = description }]);

    private static RpcException BadRequestStatus(string message, IEnumerable<ValidationProblem> problems)
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

    /// <summary><c>FAILED_PRECONDITION</c> with a message.</summary>
    public static RpcException FailedPrecondition(string message) => new(new Grpc.Core.Status(StatusCode.FailedPrecondition, message));
}
