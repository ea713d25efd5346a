using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>The SDK's log messages, source-generated, with fixed event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Step {StepId} ({StepType}) of execution {ExecutionId}, attempt {Attempt}: succeeded in {ElapsedMs} ms")]
    public static partial void StepSucceeded(ILogger logger, string stepId, string stepType, string executionId, int attempt, double elapsedMs);

    [LoggerMessage(2, LogLevel.Information, "Step {StepId} ({StepType}) of execution {ExecutionId}, attempt {Attempt}: failed with {Code} (retryable: {Retryable}): {Message}")]
    public static partial void StepFailed(ILogger logger, string stepId, string stepType, string executionId, int attempt, string code, bool retryable, string message);

    [LoggerMessage(3, LogLevel.Error, "Step {StepId} ({StepType}) of execution {ExecutionId}, attempt {Attempt}: the handler threw")]
    public static partial void HandlerThrew(ILogger logger, Exception exception, string stepId, string stepType, string executionId, int attempt);

    [LoggerMessage(4, LogLevel.Information, "Step {StepId} ({StepType}) of execution {ExecutionId}, attempt {Attempt}: cancelled by the caller")]
    public static partial void StepCancelled(ILogger logger, string stepId, string stepType, string executionId, int attempt);

    [LoggerMessage(5, LogLevel.Warning, "Refused step {StepId} ({StepType}): {InFlight} calls in flight reach the limit of {Limit}")]
    public static partial void CapacityExceeded(ILogger logger, string stepId, string stepType, int inFlight, int limit);

    [LoggerMessage(6, LogLevel.Warning, "Refused step {StepId}: step type '{StepType}' is not served here")]
    public static partial void UnknownStepType(ILogger logger, string stepId, string stepType);

    [LoggerMessage(10, LogLevel.Information, "Registered with the orchestrator at {Orchestrator} as {ExecutorId} (endpoint {Endpoint}, types {StepTypes}); heartbeat every {Interval}")]
    public static partial void Registered(ILogger logger, string orchestrator, string executorId, string endpoint, string stepTypes, TimeSpan interval);

    [LoggerMessage(11, LogLevel.Warning, "Registration with the orchestrator at {Orchestrator} failed ({Reason}); retrying in {Delay}")]
    public static partial void RegistrationFailed(ILogger logger, string orchestrator, string reason, TimeSpan delay);

    [LoggerMessage(12, LogLevel.Warning, "The orchestrator no longer knows executor {ExecutorId} (lease expired); registering again")]
    public static partial void LeaseLost(ILogger logger, string executorId);

    [LoggerMessage(13, LogLevel.Warning, "Heartbeat of executor {ExecutorId} failed ({Reason}); trying again at the next interval")]
    public static partial void HeartbeatFailed(ILogger logger, string executorId, string reason);

    [LoggerMessage(14, LogLevel.Information, "Deregistered executor {ExecutorId} from the orchestrator")]
    public static partial void Deregistered(ILogger logger, string executorId);

    [LoggerMessage(15, LogLevel.Warning, "Deregistering executor {ExecutorId} failed ({Reason}); its lease will expire on its own")]
    public static partial void DeregisterFailed(ILogger logger, string executorId, string reason);

    [LoggerMessage(16, LogLevel.Error, "Cannot register: no address to advertise (set Executor:AdvertisedAddress)")]
    public static partial void NoAdvertisedAddress(ILogger logger);

    [LoggerMessage(20, LogLevel.Information, "Connected to the orchestrator at {Orchestrator} as {ExecutorId} (types {StepTypes}, {Credits} credits)")]
    public static partial void Connected(ILogger logger, string orchestrator, string executorId, string stepTypes, int credits);

    [LoggerMessage(21, LogLevel.Warning, "The session with the orchestrator at {Orchestrator} ended ({Reason}); connecting again in {Delay}")]
    public static partial void SessionLost(ILogger logger, string orchestrator, string reason, TimeSpan delay);

    [LoggerMessage(22, LogLevel.Information, "The orchestrator at {Orchestrator} drains ({Reason}): finishing the attempts in flight, then connecting again")]
    public static partial void OrchestratorDraining(ILogger logger, string orchestrator, string reason);

    [LoggerMessage(23, LogLevel.Warning, "Shutdown: {Running} attempts still ran after the drain timeout of {Timeout}; they are cancelled")]
    public static partial void DrainTimedOut(ILogger logger, int running, TimeSpan timeout);

    [LoggerMessage(170, LogLevel.Warning, "Step {StepId} of execution {ExecutionId}: call refused ({Code}): {Reason}")]
    public static partial void CallerRefused(ILogger logger, string stepId, string executionId, string code, string reason);

    [LoggerMessage(171, LogLevel.Warning, "Caller tokens are not checked: {Reason}. Any process that reaches this executor can run its steps; restrict who can reach it (mTLS, network policy) or let it register with the orchestrator.")]
    public static partial void CallerTokensUnchecked(ILogger logger, string reason);

    [LoggerMessage(200, LogLevel.Warning, "Step {StepId} of execution {ExecutionId}: call refused (UNAUTHENTICATED): it came without a client certificate, which Executor:CallerCertificates requires (the call came over plain http)")]
    public static partial void CallWithoutCertificate(ILogger logger, string stepId, string executionId);
}
