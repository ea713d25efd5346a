using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>
/// The versioned schema. Each migration runs once, in its own transaction, and moves
/// <c>PRAGMA user_version</c> to its version; the store applies the missing ones when it opens.
/// </summary>
internal static class SchemaMigrations
{
    /// <summary>Every migration, oldest first. Append new ones; never edit a shipped one.</summary>
    private static readonly (int Version, string Description, string Sql)[] Migrations =
    [
        (1, "definitions, executions and the event log", """
            CREATE TABLE definitions (
                definition_hash BLOB NOT NULL PRIMARY KEY,  -- SHA-256 of the serialized WorkflowDefinition
                workflow_id     TEXT NOT NULL,
                definition      BLOB NOT NULL,              -- the serialized WorkflowDefinition
                create_time     INTEGER NOT NULL            -- UTC ticks of the first execution that used it
            ) WITHOUT ROWID;

            -- The last sequence is not stored here: it is max(events.sequence), one index probe away, so
            -- appends that change no indexed fact (most of them) write no executions row.
            -- execution_key grows with each new execution, so the rows and event-index entries of the
            -- executions being written (the recent ones) share a few pages: a group commit rewrites few pages.
            CREATE TABLE executions (
                execution_key        INTEGER PRIMARY KEY,
                execution_id         TEXT NOT NULL UNIQUE,
                workflow_id          TEXT NOT NULL,
                state                INTEGER NOT NULL,      -- grpcworkflows.v1.ExecutionState
                create_time          INTEGER NOT NULL,      -- UTC ticks
                end_time             INTEGER NULL,          -- UTC ticks; set exactly while the state is terminal
                idempotency_key      TEXT NULL UNIQUE,
                step_count           INTEGER NOT NULL,
                succeeded_step_count INTEGER NOT NULL,
                labels               BLOB NULL,             -- a serialized ExecutionSubmitted holding only labels
                definition_hash      BLOB NOT NULL
            );

            -- ListExecutions: newest first, optionally by state or workflow id; keyset paging on (create_time, execution_id).
            CREATE INDEX ix_executions_create_time ON executions (create_time DESC, execution_id DESC);
            CREATE INDEX ix_executions_state_create_time ON executions (state, create_time DESC, execution_id DESC);
            CREATE INDEX ix_executions_workflow_create_time ON executions (workflow_id, create_time DESC, execution_id DESC);
            -- Retention: finished executions by end time.
            CREATE INDEX ix_executions_end_time ON executions (end_time, execution_id) WHERE end_time IS NOT NULL;

            -- Append-only in commit order (rowid), found by (execution_key, sequence).
            CREATE TABLE events (
                event_key     INTEGER PRIMARY KEY,
                execution_key INTEGER NOT NULL,
                sequence      INTEGER NOT NULL,
                kind          INTEGER NOT NULL,             -- ExecutionEvent.KindOneofCase
                payload       BLOB NOT NULL                 -- the serialized ExecutionEvent (the submitted event without its definition)
            );
            CREATE UNIQUE INDEX ix_events_execution_sequence ON events (execution_key, sequence);
            """),
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Applies the migrations the database lacks; returns the version it ends at.</summary>
    /// <exception cref="InvalidOperationException">The database was made by a newer version of the store.</exception>
    public static int Apply(SqliteConnection connection, string path, ILogger logger)
    {
        var current = ReadVersion(connection);
        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The database '{path}' has schema version {current}, newer than this orchestrator's {LatestVersion}. Run a newer orchestrator, or point Storage:Sqlite:Path at another file.");
        }

        foreach (var (version, description, sql) in Migrations)
        {
            if (version <= current)
            {
                continue;
            }

            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = sql + $"\nPRAGMA user_version = {version};";
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            Log.MigrationApplied(logger, path, version, description);
            current = version;
        }

        return current;
    }

    private static int ReadVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
