using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Services.Internal;

/// <summary>
/// Builds the RpcExceptions the services throw, with google.rpc error details. Every status goes out in
/// HTTP/2 trailers, which clients cap (grpc-js hangs past 64 KiB, stalling its whole connection), so
/// messages and details are bounded: request text is cut to <see cref="MaxEchoLength"/> characters, a
/// message to <see cref="MaxMessageLength"/>, and the field violations to <see cref="MaxDetailBytes"/>
/// (the rest summarized in one last violation).
/// </summary>
internal static class RpcErrors
{
    /// <summary>The retry hint of a store error: the engine retries its own appends at most this far apart.</summary>
    private static readonly TimeSpan StoreRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>The most characters of request text (an id, a field path) quoted in a message.</summary>
    public const int MaxEchoLength = 200;

    /// <summary>The longest status message, in characters.</summary>
    public const int MaxMessageLength = 1024;

    /// <summary>The longest field violation description, in characters.</summary>
    public const int MaxDescriptionLength = 512;

    /// <summary>The largest serialized <c>google.rpc.BadRequest</c> sent in a status.</summary>
    public const int MaxDetailBytes = 16 * 1024;

    /// <summary>Cuts <paramref name="text"/> to <paramref name="limit"/> characters, marking the cut.</summary>
    public static string Truncate(string? text, int limit = MaxEchoLength)
    {
        text ??= string.Empty;
        return text.Length <= limit ? text : string.Concat(text.AsSpan(0, limit), $"… ({text.Length} characters)");
    }

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
            if (failure.CalculateSize() > MaxDetailBytes)
            {
                break;
            }

            failure.Violations.Add(new PreconditionFailure.Types.Violation { Type = "STEP_TYPE_NOT_SERVED", Subject = Truncate(problem.Field), Description = Truncate(problem.Description, MaxDescriptionLength) });
        }

        var problems = result.UnservedStepTypes.Select(p => Truncate(p.Description)).Distinct(StringComparer.Ordinal).Take(10).ToList();
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.FailedPrecondition,
            Message = Truncate($"The workflow uses step types no executor serves ({result.UnservedStepTypes.Count} step(s)): {string.Join("; ", problems)}. Start or register an executor for them.", MaxMessageLength),
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
        => BadRequestStatus($"{field}: {Truncate(description, MaxDescriptionLength)}", [new ValidationProblem { Field = field, Description = description }]);

    private static RpcException BadRequestStatus(string message, IEnumerable<ValidationProblem> problems)
    {
        var badRequest = new BadRequest();
        var left = 0;
        foreach (var problem in problems)
        {
            if (left > 0 || badRequest.CalculateSize() > MaxDetailBytes)
            {
                left++;
                continue;
            }

            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = Truncate(problem.Field), Description = Truncate(problem.Description, MaxDescriptionLength) });
        }

        if (left > 0)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = string.Empty, Description = $"{left} more problem(s) not listed" });
        }

        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = Truncate(message, MaxMessageLength),
            Details = { Any.Pack(badRequest) },
        };
        return status.ToRpcException();
    }

    /// <summary><c>NOT_FOUND</c> for an unknown execution.</summary>
    public static RpcException ExecutionNotFound(string executionId)
        => new(new Grpc.Core.Status(StatusCode.NotFound, $"Execution '{Truncate(executionId)}' does not exist."));

    /// <summary><c>RESOURCE_EXHAUSTED</c> past the admission limit, with a retry hint.</summary>
    public static RpcException AdmissionRejected(string message)
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = Truncate(message, MaxMessageLength),
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
            Message = Truncate(exception.Message, MaxMessageLength),
            Details =
            {
                Any.Pack(new ErrorInfo { Reason = reason, Domain = "grpcworkflows.dev" }),
                Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(StoreRetryDelay) }),
            },
        };
        return status.ToRpcException();
    }

    /// <summary><c>FAILED_PRECONDITION</c> with a message.</summary>
    public static RpcException FailedPrecondition(string message) => new(new Grpc.Core.Status(StatusCode.FailedPrecondition, Truncate(message, MaxMessageLength)));
}
