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
        (2, "namespaces: every execution belongs to one; idempotency keys are unique per namespace", """
            -- SQLite cannot drop a column's UNIQUE constraint: the table is rebuilt, keeping every
            -- execution_key (the events refer to it). Existing executions belong to 'default'.
            CREATE TABLE executions_v2 (
                execution_key        INTEGER PRIMARY KEY,
                execution_id         TEXT NOT NULL UNIQUE,
                namespace            TEXT NOT NULL DEFAULT 'default',
                workflow_id          TEXT NOT NULL,
                state                INTEGER NOT NULL,      -- grpcworkflows.v1.ExecutionState
                create_time          INTEGER NOT NULL,      -- UTC ticks
                end_time             INTEGER NULL,          -- UTC ticks; set exactly while the state is terminal
                idempotency_key      TEXT NULL,             -- unique per namespace
                step_count           INTEGER NOT NULL,
                succeeded_step_count INTEGER NOT NULL,
                labels               BLOB NULL,             -- a serialized ExecutionSubmitted holding only labels
                definition_hash      BLOB NOT NULL,
                UNIQUE (namespace, idempotency_key)
            );
            INSERT INTO executions_v2 (execution_key, execution_id, namespace, workflow_id, state, create_time, end_time, idempotency_key, step_count, succeeded_step_count, labels, definition_hash)
                SELECT execution_key, execution_id, 'default', workflow_id, state, create_time, end_time, idempotency_key, step_count, succeeded_step_count, labels, definition_hash FROM executions;
            DROP TABLE executions;
            ALTER TABLE executions_v2 RENAME TO executions;

            -- ListExecutions lists one namespace: newest first, optionally by state or workflow id.
            CREATE INDEX ix_executions_create_time ON executions (namespace, create_time DESC, execution_id DESC);
            CREATE INDEX ix_executions_state_create_time ON executions (namespace, state, create_time DESC, execution_id DESC);
            CREATE INDEX ix_executions_workflow_create_time ON executions (namespace, workflow_id, create_time DESC, execution_id DESC);
            -- Recovery: unfinished executions by state, whatever their namespace.
            CREATE INDEX ix_executions_state ON executions (state);
            CREATE INDEX ix_executions_end_time ON executions (end_time, execution_id) WHERE end_time IS NOT NULL;
            """),
        (3, "stored, versioned workflow definitions", """
            -- One row per stored workflow of a namespace: its latest version and whether it is deleted
            -- (a deleted workflow keeps its versions; registering its id again continues the numbering).
            CREATE TABLE stored_workflows (
                namespace      TEXT NOT NULL,
                workflow_id    TEXT NOT NULL,
                latest_version INTEGER NOT NULL,
                deleted        INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (namespace, workflow_id)
            ) WITHOUT ROWID;

            -- Every version, immutable.
            CREATE TABLE stored_workflow_versions (
                namespace   TEXT NOT NULL,
                workflow_id TEXT NOT NULL,
                version     INTEGER NOT NULL,
                definition  BLOB NOT NULL,                  -- the serialized WorkflowDefinition
                create_time INTEGER NOT NULL,               -- UTC ticks
                PRIMARY KEY (namespace, workflow_id, version)
            ) WITHOUT ROWID;
            """),
        (4, "schedules", """
            -- One row per schedule: the serialized Schedule (settings and state), a revision that every change
            -- moves on (changes are compare-and-set on it), and the lease of the orchestrator that fires it.
            CREATE TABLE schedules (
                namespace   TEXT NOT NULL,
                schedule_id TEXT NOT NULL,
                schedule    BLOB NOT NULL,                  -- the serialized grpcworkflows.v1.Schedule
                revision    INTEGER NOT NULL,
                owner       TEXT NULL,
                lease_until INTEGER NULL,                   -- UTC ticks
                PRIMARY KEY (namespace, schedule_id)
            ) WITHOUT ROWID;
            """),
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Applies the migrations the database lacks; returns the version it ends at.</summary>
    /// <exception cref="InvalidOperationException">The database was made by a newer version of the store.</exception>
    /// <param name="connection">The open connection.</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="logger">Logs each migration applied.</param>
    /// <param name="upTo">The last version to apply (tests make files of older versions); the latest by default.</param>
    public static int Apply(SqliteConnection connection, string path, ILogger logger, int? upTo = null)
    {
        var current = ReadVersion(connection);
        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The database '{path}' has schema version {current}, newer than this orchestrator's {LatestVersion}. Run a newer orchestrator, or point Storage:Sqlite:Path at another file.");
        }

        foreach (var (version, description, sql) in Migrations)
        {
            if (version <= current || version > (upTo ?? LatestVersion))
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
