namespace GrpcWorkflows.Cli.Commands;

/// <summary>The exit codes of every <c>gwf</c> command.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked; for <c>run</c> and <c>watch</c>, the execution succeeded.</summary>
    public const int Success = 0;

    /// <summary>The execution failed or was cancelled (<c>run</c>, <c>watch</c>).</summary>
    public const int ExecutionFailed = 1;

    /// <summary>
    /// Bad input: usage error, a definition file that cannot be read or is not valid, an unknown
    /// execution id, or a request the orchestrator refused (<c>INVALID_ARGUMENT</c>,
    /// <c>FAILED_PRECONDITION</c>, <c>NOT_FOUND</c>).
    /// </summary>
    public const int BadInput = 2;

    /// <summary>The orchestrator could not be reached (or the connection broke and did not come back).</summary>
    public const int Unreachable = 3;

    /// <summary>The orchestrator answered with another error (for example <c>RESOURCE_EXHAUSTED</c> or <c>INTERNAL</c>), or a local process could not start.</summary>
    public const int OtherError = 4;

    /// <summary>Interrupted with Ctrl-C.</summary>
    public const int Interrupted = 130;
}
