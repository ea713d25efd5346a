using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Engine;

/// <summary>The engine's source-generated log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Execution {ExecutionId} of workflow {WorkflowId} submitted with {StepCount} steps")]
    public static partial void ExecutionSubmitted(ILogger logger, string executionId, string workflowId, int stepCount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Execution {ExecutionId} finished: {State}")]
    public static partial void ExecutionFinished(ILogger logger, string executionId, GrpcWorkflows.V1.ExecutionState state);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Recovered {Count} unfinished executions from the store")]
    public static partial void Recovered(ILogger logger, int count);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Execution {ExecutionId} could not be recovered")]
    public static partial void RecoveryFailed(ILogger logger, string executionId, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Appending events of execution {ExecutionId} failed (try {Try}); retrying")]
    public static partial void AppendRetry(ILogger logger, string executionId, int @try, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Events of execution {ExecutionId} could not be appended; the execution is dropped from memory and resumes at the next start")]
    public static partial void AppendAbandoned(ILogger logger, string executionId, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "The dispatcher threw for step {StepId} of execution {ExecutionId}")]
    public static partial void DispatcherThrew(ILogger logger, string executionId, string stepId, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Step {StepId} of execution {ExecutionId} attempt {Attempt} failed with {Code}; retry in {Delay}")]
    public static partial void AttemptRetry(ILogger logger, string executionId, string stepId, int attempt, string code, TimeSpan delay);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Step {StepId} of execution {ExecutionId} waits for a reachable executor (not counted as an attempt): {Reason}")]
    public static partial void AwaitingExecutor(ILogger logger, string executionId, string stepId, string reason);
}
