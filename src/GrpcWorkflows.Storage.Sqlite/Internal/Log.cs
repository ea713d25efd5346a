using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>The assembly's source-generated log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Execution store opened: SQLite '{Path}', schema version {SchemaVersion}, journal mode WAL, synchronous {Synchronous}.")]
    public static partial void StoreOpened(ILogger logger, string path, int schemaVersion, SqliteSynchronous synchronous);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "SQLite '{Path}': applied schema migration {Version} ({Description}).")]
    public static partial void MigrationApplied(ILogger logger, string path, int version, string description);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "SQLite write of {Count} requests failed and was rolled back; each caller gets the error.")]
    public static partial void BatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "SQLite '{Path}': the checkpoint at close failed; the next open replays the write-ahead log.")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception, string path);
}
