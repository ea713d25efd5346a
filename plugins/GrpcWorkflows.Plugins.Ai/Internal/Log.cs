
namespace GrpcWorkflows.Plugins.Ai.Internal;

/// <summary>The executor's log messages, source-generated, with fixed event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Loaded the local embedding model {Model} in {ElapsedMilliseconds} ms.")]
    public static partial void ModelLoaded(ILogger logger, string model, long elapsedMilliseconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Loading the local embedding model in the background failed; local tasks will fail until it loads.")]
    public static partial void ModelWarmUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Chat provider: {Endpoint} (default model {Model}).")]
    public static partial void ChatProviderConfigured(ILogger logger, Uri endpoint, string? model);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "No chat provider is configured (Ai:Chat:Endpoint); prompts run the local analyze task.")]
    public static partial void NoChatProvider(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Step {StepId} of execution {ExecutionId}: prompt without a chat provider, running the local analyze task.")]
    public static partial void PromptFallback(ILogger logger, string stepId, string executionId);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Step {StepId} of execution {ExecutionId}: the chat provider failed with {Code} (retryable: {Retryable}).")]
    public static partial void ChatFailed(ILogger logger, string stepId, string executionId, string code, bool retryable);
}
