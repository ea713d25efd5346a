namespace GrpcWorkflows.Engine.StateMachine;

/// <summary>How an attempt's call ended, as seen by the host that ran it.</summary>
internal enum AttemptOutcome
{
    /// <summary>The dispatcher returned a result (success or failure).</summary>
    Completed,

    /// <summary>The attempt's timeout elapsed.</summary>
    TimedOut,

    /// <summary>The execution was cancelled.</summary>
    Cancelled,

    /// <summary>The engine is stopping: the attempt stays in flight in the log and is delivered again at the next start.</summary>
    Stopped,
}
