using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>The assembly's source-generated log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Execution store opened: PostgreSQL {Server}, schema '{Schema}' at version {SchemaVersion}.")]
    public static partial void StoreOpened(ILogger logger, string server, string schema, int schemaVersion);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "PostgreSQL schema '{Schema}': applied migration {Version} ({Description}).")]
    public static partial void MigrationApplied(ILogger logger, string schema, int version, string description);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "PostgreSQL write of {Count} requests failed; each caller gets the error.")]
    public static partial void BatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "PostgreSQL store closed: {Batches} group commits, {Writes} writes, {Events} events, {RoundTrips} writer round trips.")]
    public static partial void StoreClosed(ILogger logger, long batches, long writes, long events, long roundTrips);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "PostgreSQL change listener lost its connection; reconnecting in {Delay}.")]
    public static partial void ListenerReconnecting(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "PostgreSQL: could not tell the other replicas that this one waits for appends; it tries again with the next wait.")]
    public static partial void WatchNoticeFailed(ILogger logger, Exception exception);
}
