namespace GrpcWorkflows.Cli.Commands;

/// <summary>The exit codes of every <c>gwf</c> command.</summary>
public static class ExitCodes
{
    /// <summary>Every exit code with its meaning, as <c>--help</c> and docs/cli.md list them.</summary>
    public static readonly IReadOnlyList<(int Code, string Meaning)> All =
    [
        (Success, "success; for run and watch, the execution succeeded"),
        (ExecutionFailed, "the execution failed or was cancelled (run, watch, retry --watch)"),
        (BadInput, "bad input: usage, a definition file that cannot be read or is not valid, an unknown execution id, a request the orchestrator refused"),
        (Unreachable, "the orchestrator cannot be reached"),
        (OtherError, "another error from the orchestrator, or a local process could not start (gwf dev: port in use)"),
        (Skipped, "run skipped: a service the workflow needs is not configured (a chat endpoint); the message says what to set"),
        (Interrupted, "interrupted with Ctrl-C"),
    ];

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

    /// <summary>
    /// The orchestrator answered with another error (for example <c>RESOURCE_EXHAUSTED</c> or
    /// <c>INTERNAL</c>), or a local process could not start (for <c>gwf dev</c>: its port is taken).
    /// </summary>
    public const int OtherError = 4;

    /// <summary>
    /// The embedded <c>gwf run</c> skipped the workflow because a service it needs is not configured
    /// (an <c>ai</c> step with <c>task: chat</c> and no <c>Ai__Chat__Endpoint</c>); the message says what to set.
    /// </summary>
    public const int Skipped = 5;

    /// <summary>Interrupted with Ctrl-C.</summary>
    public const int Interrupted = 130;
}
