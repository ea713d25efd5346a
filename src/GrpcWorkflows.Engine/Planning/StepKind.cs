namespace GrpcWorkflows.Engine.Planning;

/// <summary>Who carries out a step: an executor, or the engine itself (a built-in wait).</summary>
internal enum StepKind
{
    /// <summary>An executor registered for the step's type runs its attempts.</summary>
    Executor,

    /// <summary>A built-in <c>sleep</c>: the engine wakes it at its time.</summary>
    Sleep,

    /// <summary>A built-in <c>wait_for_signal</c>: <c>SignalExecution</c> completes it, or its timeout fails it.</summary>
    Signal,

    /// <summary>A built-in <c>workflow</c> step: the engine runs a child execution of a stored workflow.</summary>
    SubWorkflow,
}
