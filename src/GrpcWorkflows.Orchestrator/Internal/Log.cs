
namespace GrpcWorkflows.Orchestrator.Internal;

/// <summary>Source-generated log messages of the orchestrator, with fixed event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Executor {ExecutorId} registered at {Endpoint} for step types {StepTypes} with capacity {Capacity}.")]
    public static partial void ExecutorRegistered(ILogger logger, string executorId, string endpoint, string stepTypes, int capacity);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Executor {ExecutorId} at {Endpoint} deregistered.")]
    public static partial void ExecutorDeregistered(ILogger logger, string executorId, string endpoint);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The lease of executor {ExecutorId} at {Endpoint} expired; the endpoint was removed.")]
    public static partial void LeaseExpired(ILogger logger, string executorId, string endpoint);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Opened a channel to {Endpoint} ({Count} pooled).")]
    public static partial void ChannelOpened(ILogger logger, string endpoint, int count);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Closed the channel to {Endpoint} ({Why}).")]
    public static partial void ChannelClosed(ILogger logger, string endpoint, string why);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Execution {ExecutionId} step {StepId}: executor {Endpoint} was not reached ({Reason}); failing over to another replica.")]
    public static partial void FailingOver(ILogger logger, string executionId, string stepId, string endpoint, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "The circuit of executor {Endpoint} opened for {BreakDuration}.")]
    public static partial void CircuitOpened(ILogger logger, string endpoint, TimeSpan breakDuration);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "The circuit of executor {Endpoint} closed.")]
    public static partial void CircuitClosed(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Executor {Endpoint} is unreachable ({Reason}); steps of its types wait for it (not counted as attempts) while it is reconnected.")]
    public static partial void ExecutorUnreachable(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 24, Level = LogLevel.Information, Message = "Executor {Endpoint} is reachable again; waiting steps are sent.")]
    public static partial void ExecutorReachable(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "Unexpected error in {Method}; the client gets INTERNAL.")]
    public static partial void UnexpectedError(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Engine started: recovered executions are running; storage provider {Provider}.")]
    public static partial void EngineStarted(ILogger logger, string provider);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Engine stopping: admitting no new executions, letting in-flight attempts finish for up to {Grace}.")]
    public static partial void EngineStopping(ILogger logger, TimeSpan grace);

    [LoggerMessage(EventId = 50, Level = LogLevel.Information, Message = "{Method}: not authenticated ({Reason}); the client gets UNAUTHENTICATED.")]
    public static partial void CallNotAuthenticated(ILogger logger, string method, string reason);

    [LoggerMessage(EventId = 51, Level = LogLevel.Information, Message = "{Method}: credential '{Caller}' lacks the role '{Required}'; the client gets PERMISSION_DENIED.")]
    public static partial void CallNotAuthorized(ILogger logger, string method, string caller, string required);

    [LoggerMessage(EventId = 52, Level = LogLevel.Warning, Message = "Authentication is off (Auth:Mode=None): every client that reaches {Addresses} may submit, cancel and register executors. Use this only on a trusted network.")]
    public static partial void AuthenticationOff(ILogger logger, string addresses);

    [LoggerMessage(EventId = 53, Level = LogLevel.Information, Message = "Authentication is on: {ApiKeys} API key(s), JWT {Jwt}.")]
    public static partial void AuthenticationOn(ILogger logger, int apiKeys, string jwt);

    [LoggerMessage(EventId = 54, Level = LogLevel.Information, Message = "Authentication is off: no credentials are configured and the orchestrator listens on loopback only ({Addresses}).")]
    public static partial void AuthenticationOffOnLoopback(ILogger logger, string addresses);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "The session of executor {ExecutorId} ended: {Reason}.")]
    public static partial void SessionEnded(ILogger logger, string executorId, string reason);

    [LoggerMessage(EventId = 25, Level = LogLevel.Warning, Message = "Execution {ExecutionId} step {StepId}: the session {Endpoint} ended before it answered ({Reason}); the attempt is sent again (loss {Losses}).")]
    public static partial void AttemptLost(ILogger logger, string executionId, string stepId, string endpoint, string reason, int losses);

    [LoggerMessage(EventId = 170, Level = LogLevel.Information, Message = "Calls to executors carry caller tokens (signing key {Source}; tokens valid {Lifetime}).")]
    public static partial void CallerTokensReady(ILogger logger, string source, TimeSpan lifetime);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Client certificates: {Count} mapped to credentials (Auth:ClientCertificates); calls without an API key or a token are authenticated by their certificate.")]
    public static partial void ClientCertificatesAccepted(ILogger logger, int count);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "The watch of execution {ExecutionId} was reset (ENHANCE_YOUR_CALM, which the client reads as RESOURCE_EXHAUSTED): its client read nothing for {Timeout} while an event waited to be sent (Orchestrator:WatchStallTimeout). It may watch again from the last sequence it received + 1.")]
    public static partial void WatchStalled(ILogger logger, string executionId, TimeSpan timeout);

    [LoggerMessage(EventId = 260, Level = LogLevel.Information, Message = "Executor {ExecutorId} at {Endpoint}, registered at another replica, is served here too (step types {StepTypes}).")]
    public static partial void ExecutorAdopted(ILogger logger, string executorId, string endpoint, IEnumerable<string> stepTypes);

    [LoggerMessage(EventId = 261, Level = LogLevel.Information, Message = "Executor {ExecutorId} at {Endpoint} was deregistered, replaced or expired at another replica; removed here too.")]
    public static partial void ExecutorGoneElsewhere(ILogger logger, string executorId, string endpoint);

    [LoggerMessage(EventId = 262, Level = LogLevel.Warning, Message = "Sharing executor registrations with the other replicas failed; retrying at the next tick.")]
    public static partial void RegistrationSyncFailed(ILogger logger, Exception exception);

    // Schedules take event ids 220 to 239.
    [LoggerMessage(EventId = 220, Level = LogLevel.Information, Message = "Scheduler started: schedules fire their due times")]
    public static partial void SchedulerStarted(ILogger logger);
}
