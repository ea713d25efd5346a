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

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Execution {ExecutionId} could not be recovered; it is marked failed")]
    public static partial void RecoveryFailed(ILogger logger, string executionId, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Appending events of execution {ExecutionId} failed (try {Try}); retrying in {Delay}")]
    public static partial void AppendRetry(ILogger logger, string executionId, int @try, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Events of execution {ExecutionId} could not be appended and will not be retried; the execution is dropped from memory and resumes from its stored log at the next start")]
    public static partial void AppendAbandoned(ILogger logger, string executionId, Exception exception);

    [LoggerMessage(EventId = 120, Level = LogLevel.Debug, Message = "Events of execution {ExecutionId} could not be appended in the engine's turn; the append loop tries again")]
    public static partial void AppendAtOnceFailed(ILogger logger, string executionId, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "The dispatcher threw for step {StepId} of execution {ExecutionId}")]
    public static partial void DispatcherThrew(ILogger logger, string executionId, string stepId, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Step {StepId} of execution {ExecutionId} attempt {Attempt} failed with {Code}; retry in {Delay}")]
    public static partial void AttemptRetry(ILogger logger, string executionId, string stepId, int attempt, string code, TimeSpan delay);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "Step {StepId} of execution {ExecutionId} could not be started; the step fails")]
    public static partial void StepFaulted(ILogger logger, string executionId, string stepId, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Execution {ExecutionId} could not be scheduled; the execution fails")]
    public static partial void ExecutionFaulted(ILogger logger, string executionId, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Execution {ExecutionId} could not be marked failed after a failed recovery; it is retried at the next start")]
    public static partial void UnrecoverableNotRecorded(ILogger logger, string executionId, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "The execution store cannot write; executions wait in memory and their appends are retried until it can")]
    public static partial void StoreFailing(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "The execution store writes again; waiting executions continue")]
    public static partial void StoreRecovered(ILogger logger);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "A recovery read failed (try {Try}); retrying in {Delay}")]
    public static partial void RecoveryReadRetry(ILogger logger, int @try, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Step {StepId} of execution {ExecutionId} waits for a reachable executor (not counted as an attempt): {Reason}")]
    public static partial void AwaitingExecutor(ILogger logger, string executionId, string stepId, string reason);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "Execution {ExecutionId}: another replica took it over (lease epoch {LeaseEpoch}, now {CurrentEpoch}); nothing more is recorded here")]
    public static partial void LeaseLost(ILogger logger, string executionId, long leaseEpoch, long currentEpoch);

    [LoggerMessage(EventId = 17, Level = LogLevel.Information, Message = "Replica {Owner} took over {Count} executions")]
    public static partial void ExecutionsClaimed(ILogger logger, string owner, int count);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "Replica {Owner}: {Count} executions are owned elsewhere now and were dropped here")]
    public static partial void LeasesLost(ILogger logger, string owner, int count);

    [LoggerMessage(EventId = 19, Level = LogLevel.Warning, Message = "Replica {Owner}: lease renewal, claims or commands failed; retrying at the next tick")]
    public static partial void ReplicaTickFailed(ILogger logger, string owner, Exception exception);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Replica {Owner} handed over {Count} executions on stop")]
    public static partial void LeasesReleased(ILogger logger, string owner, int count);

    [LoggerMessage(EventId = 160, Level = LogLevel.Information, Message = "Replica {Owner} is number {Index} of {Count} live replicas: engine-wide limits and executor capacities are split accordingly")]
    public static partial void ReplicaShareChanged(ILogger logger, string owner, int index, int count);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Execution {ExecutionId}: command {Kind} from another replica could not be carried out")]
    public static partial void CommandFailed(ILogger logger, string executionId, Storage.ExecutionCommandKind kind, Exception exception);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "Execution {ExecutionId} could not be taken over (its definition does not compile); its lease is released")]
    public static partial void ClaimFailed(ILogger logger, string executionId, Exception exception);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Execution {ExecutionId} handed over: this replica reaches no executor of step type '{StepType}', another replica does")]
    public static partial void HandedOver(ILogger logger, string executionId, string stepType);
    // Sub-workflows take event ids 40 to 49.
    [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "The child execution {ChildExecutionId} could not be cancelled")]
    public static partial void ChildNotCancelled(ILogger logger, string childExecutionId, Exception exception);

    // Schedules take event ids 110 to 129.
    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Schedule {ScheduleId} created in namespace {Namespace} ({Cron}); next time {NextFireTime}")]
    public static partial void ScheduleCreated(ILogger logger, string @namespace, string scheduleId, string cron, Google.Protobuf.WellKnownTypes.Timestamp? nextFireTime);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Schedule {ScheduleId} deleted from namespace {Namespace}")]
    public static partial void ScheduleDeleted(ILogger logger, string @namespace, string scheduleId);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information, Message = "Schedule {ScheduleId} of namespace {Namespace} fired its time {ScheduleTime:O}: execution {ExecutionId} (already there: {Existing})")]
    public static partial void ScheduleFired(ILogger logger, string @namespace, string scheduleId, DateTimeOffset scheduleTime, string executionId, bool existing);

    [LoggerMessage(EventId = 113, Level = LogLevel.Information, Message = "Schedule {ScheduleId} of namespace {Namespace} skipped its time {ScheduleTime:O}: {Running} of its executions still run")]
    public static partial void ScheduleTimeSkipped(ILogger logger, string @namespace, string scheduleId, DateTimeOffset scheduleTime, int running);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "Schedule {ScheduleId} of namespace {Namespace} missed its time {ScheduleTime:O} (catch-up window {Window}, or only the last missed time fires)")]
    public static partial void ScheduleTimeMissed(ILogger logger, string @namespace, string scheduleId, DateTimeOffset scheduleTime, TimeSpan window);

    [LoggerMessage(EventId = 115, Level = LogLevel.Warning, Message = "Schedule {ScheduleId} of namespace {Namespace} could not start its time {ScheduleTime:O}: {Reason}")]
    public static partial void ScheduleTimeRefused(ILogger logger, string @namespace, string scheduleId, DateTimeOffset scheduleTime, string reason);

    [LoggerMessage(EventId = 116, Level = LogLevel.Warning, Message = "Schedule {ScheduleId} of namespace {Namespace} could not be handled; retrying at the next pass")]
    public static partial void ScheduleFailed(ILogger logger, string @namespace, string scheduleId, Exception exception);

    [LoggerMessage(EventId = 117, Level = LogLevel.Warning, Message = "A scheduler pass failed (leases or the store); retrying at the next pass")]
    public static partial void SchedulerPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 118, Level = LogLevel.Information, Message = "Schedule {ScheduleId} of namespace {Namespace} backfilled {Times} times, {Started} new executions")]
    public static partial void ScheduleBackfilled(ILogger logger, string @namespace, string scheduleId, int times, int started);
}
