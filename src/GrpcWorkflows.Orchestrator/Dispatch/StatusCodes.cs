using Grpc.Core;

namespace GrpcWorkflows.Orchestrator.Dispatch;

/// <summary>gRPC status codes as the engine's error codes (<c>UNAVAILABLE</c>, ...); which of them are retried is <see cref="Engine.Retry.RetryClassification"/>'s.</summary>
internal static class StatusCodes
{
    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>The canonical upper-case name of <paramref name="code"/>, for example <c>UNAVAILABLE</c>.</summary>
    public static string Name(StatusCode code)
    {
        var index = (int)code;
        return (uint)index < (uint)Names.Length ? Names[index] : "UNKNOWN";
    }
}
