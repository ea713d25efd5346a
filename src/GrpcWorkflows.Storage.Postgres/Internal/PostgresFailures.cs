using System.Net.Sockets;
using GrpcWorkflows.Engine.Storage;
using Npgsql;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>Names the storage errors PostgreSQL and Npgsql report, so that callers can tell a lost server from a bug.</summary>
internal static class PostgresFailures
{
    /// <summary>The exception a caller gets for <paramref name="exception"/>: a <see cref="StoreUnavailableException"/> for a storage error, else itself.</summary>
    /// <param name="exception">What the driver threw.</param>
    /// <param name="server">The server, for the message (host:port/database).</param>
    public static Exception Translate(Exception exception, string server)
    {
        switch (exception)
        {
            case StoreUnavailableException:
                return exception;
            case PostgresException postgres:
                return Reason(postgres.SqlState) is { } reason
                    ? new StoreUnavailableException(reason, Message(reason, server, postgres.MessageText), exception)
                    : exception;
            case NpgsqlException or SocketException or IOException or TimeoutException:
                // No server answer: the connection was refused, broken or timed out.
                return new StoreUnavailableException(StoreFailureReason.Unavailable, Message(StoreFailureReason.Unavailable, server, exception.Message), exception);
            default:
                return exception;
        }
    }

    /// <summary>Whether the connection that threw <paramref name="exception"/> can no longer be used.</summary>
    public static bool BreaksConnection(Exception exception) =>
        exception is not PostgresException || Reason(((PostgresException)exception).SqlState) is not null;

    private static StoreFailureReason? Reason(string sqlState) => sqlState switch
    {
        "53100" => StoreFailureReason.DiskFull,                       // disk_full
        "25006" => StoreFailureReason.ReadOnly,                       // read_only_sql_transaction (a standby, or default_transaction_read_only)
        "XX001" or "XX002" => StoreFailureReason.Damaged,             // data_corrupted, index_corrupted
        "57P01" or "57P02" or "57P03" => StoreFailureReason.Unavailable, // admin_shutdown, crash_shutdown, cannot_connect_now
        "57014" or "55P03" => StoreFailureReason.Unavailable,         // query_canceled (statement_timeout), lock_not_available
        "40P01" or "40001" => StoreFailureReason.Unavailable,         // deadlock_detected, serialization_failure: nothing was written, retry
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => StoreFailureReason.Unavailable, // connection exceptions
        _ when sqlState.StartsWith("53", StringComparison.Ordinal) => StoreFailureReason.Unavailable, // insufficient resources
        _ => null,
    };

    private static string Message(StoreFailureReason reason, string server, string detail) => reason switch
    {
        StoreFailureReason.DiskFull => $"The disk of the PostgreSQL server {server} is full ({detail}); nothing was written. Free space there (or set Storage:Retention to keep fewer finished executions); writes resume by themselves.",
        StoreFailureReason.ReadOnly => $"The PostgreSQL server {server} is read-only ({detail}); nothing was written. Point Storage:Postgres:ConnectionString at the primary; writes resume once it is writable.",
        StoreFailureReason.Damaged => $"The PostgreSQL database {server} reports damaged data ({detail}). Restore it from a backup.",
        _ => $"The PostgreSQL server {server} could not be reached or refused the work ({detail}). The write may not have been kept; the store reconnects by itself on the next write.",
    };
}
