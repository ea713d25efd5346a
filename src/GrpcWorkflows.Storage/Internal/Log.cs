using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Storage.Internal;

/// <summary>The assembly's source-generated log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Retention purged {Count} finished executions (ended before {EndedBefore}, keeping at most {KeepAtMost}).")]
    public static partial void Purged(ILogger logger, int count, DateTimeOffset endedBefore, int? keepAtMost);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Retention purge failed; it runs again in {Interval}.")]
    public static partial void PurgeFailed(ILogger logger, Exception exception, TimeSpan interval);
}
