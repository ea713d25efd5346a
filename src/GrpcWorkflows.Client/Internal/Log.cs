using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Client.Internal;

/// <summary>The client's source-generated log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "The event stream of execution {ExecutionId} broke ({Reason}); resume attempt {Attempt} from sequence {NextSequence} in {Delay}.")]
    public static partial void WatchResuming(ILogger logger, string executionId, long nextSequence, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(2, LogLevel.Information, "The run stream of execution {ExecutionId} broke ({Reason}); following it with WatchExecution from sequence {NextSequence}.")]
    public static partial void RunStreamBroken(ILogger logger, string executionId, long nextSequence, string reason);

    [LoggerMessage(3, LogLevel.Information, "The run stream broke before the first event ({Reason}); resubmitting with idempotency key {IdempotencyKey} (attempt {Attempt}, in {Delay}).")]
    public static partial void RunResubmitting(ILogger logger, string idempotencyKey, int attempt, TimeSpan delay, string reason);
}
