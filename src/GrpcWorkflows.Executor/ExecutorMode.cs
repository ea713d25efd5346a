namespace GrpcWorkflows.Executor;

/// <summary>How an executor gets its attempts from the orchestrator.</summary>
public enum ExecutorMode
{
    /// <summary>
    /// The executor connects out to the orchestrator (<c>ExecutorRegistryService.Connect</c>) and receives
    /// its attempts on that session: no inbound connection, no listening port needed, loss known at once.
    /// </summary>
    Connect = 0,

    /// <summary>
    /// The executor registers its address (<c>RegisterExecutor</c>) and the orchestrator calls its
    /// <c>ExecuteStep</c> for each attempt: the executor must be reachable from the orchestrator.
    /// </summary>
    Push = 1,
}
