using GrpcWorkflows.Engine.Storage;
using Microsoft.Data.Sqlite;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>Names the storage errors SQLite reports, so that callers can tell a full disk from a bug.</summary>
internal static class SqliteFailures
{
    // Primary result codes (https://sqlite.org/rescode.html).
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoError = 10;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int NotADatabase = 26;

    /// <summary>The exception a caller gets for <paramref name="exception"/>: a <see cref="StoreUnavailableException"/> for a storage error, else itself.</summary>
    public static Exception Translate(Exception exception, string path)
    {
        if (exception is not SqliteException sqlite)
        {
            return exception;
        }

        return (sqlite.SqliteErrorCode & 0xFF) switch
        {
            Full => new StoreUnavailableException(
                StoreFailureReason.DiskFull,
                $"The disk holding the execution store '{path}' is full; nothing was written. Free space there (or set Storage:Retention to keep fewer finished executions); writes resume by themselves.",
                exception),
            ReadOnly => new StoreUnavailableException(
                StoreFailureReason.ReadOnly,
                $"The execution store '{path}' is read-only; nothing was written. Make the file, its -wal and -shm files and their folder writable; writes resume by themselves.",
                exception),
            Corrupt or NotADatabase => new StoreUnavailableException(
                StoreFailureReason.Damaged,
                $"The execution store '{path}' is damaged ({sqlite.Message}). Stop the orchestrator and restore the latest backup (docs/durability.md).",
                exception),
            IoError or CantOpen or Busy or Locked => new StoreUnavailableException(
                StoreFailureReason.Unavailable,
                $"The execution store '{path}' could not be written ({sqlite.Message}); nothing was written.",
                exception),
            _ => exception,
        };
    }
}
