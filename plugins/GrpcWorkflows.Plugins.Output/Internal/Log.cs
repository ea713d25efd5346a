
namespace GrpcWorkflows.Plugins.Output.Internal;

/// <summary>The output executor's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Message = "Output of step {StepId} (execution {ExecutionId}){Message}: {Payload}")]
    public static partial void Output(ILogger logger, LogLevel level, string stepId, string executionId, string message, string payload);

    [LoggerMessage(2, LogLevel.Information, "Step {StepId} (execution {ExecutionId}) wrote {Bytes} bytes ({Records} records) to {Path}")]
    public static partial void FileWritten(ILogger logger, string stepId, string executionId, long bytes, int records, string path);

    [LoggerMessage(3, LogLevel.Information, "Step {StepId} (execution {ExecutionId}) posted to webhook {Url}: {Status}")]
    public static partial void WebhookSent(ILogger logger, string stepId, string executionId, string url, int status);
}
