using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>
/// The writer's insert of one event row, as a statement prepared once on the writer's connection and run with
/// SQLite's own bind, step and reset calls: in the writer's transaction like every other command of the batch.
/// </summary>
/// <remarks>
/// Every step appends two to four events, so this is the writer's most frequent statement. Through
/// <see cref="SqliteCommand.ExecuteNonQuery"/> each row also paid for a data reader, a parameter lookup by name
/// and a boxed value per column; here it binds four values and steps. Used by the writer's thread only.
/// </remarks>
internal sealed class EventInsert : IDisposable
{
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;

    public EventInsert(SqliteConnection connection)
    {
        _database = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v2(_database, "INSERT INTO events (execution_key, sequence, kind, payload) VALUES (?1, ?2, ?3, ?4)", out _statement);
        SqliteException.ThrowExceptionForRC(rc, _database);
    }

    /// <summary>Inserts one event row; throws <see cref="SqliteException"/> as a command would (a duplicate sequence, a full disk, ...).</summary>
    public void Execute(long executionKey, long sequence, int kind, ReadOnlySpan<byte> payload)
    {
        try
        {
            Check(raw.sqlite3_bind_int64(_statement, 1, executionKey));
            Check(raw.sqlite3_bind_int64(_statement, 2, sequence));
            Check(raw.sqlite3_bind_int(_statement, 3, kind));
            Check(payload.IsEmpty ? raw.sqlite3_bind_zeroblob(_statement, 4, 0) : raw.sqlite3_bind_blob(_statement, 4, payload));
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _database);
            }
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _database);
}
