namespace GrpcWorkflows.Client.Tests.Infrastructure;

/// <summary>How the scripted server ends one event stream.</summary>
internal enum StreamBreak
{
    /// <summary>Serve to the end of the log.</summary>
    None,

    /// <summary>End the call with status UNAVAILABLE.</summary>
    Unavailable,

    /// <summary>Abort the HTTP/2 stream (a transport failure, no gRPC status).</summary>
    AbortConnection,

    /// <summary>End the call with status NOT_FOUND.</summary>
    NotFound,
}
