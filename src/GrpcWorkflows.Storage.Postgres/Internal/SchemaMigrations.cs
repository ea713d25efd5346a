using Microsoft.Extensions.Logging;
using Npgsql;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>
/// The versioned schema. The missing migrations run at open in one transaction that holds an advisory
/// lock, so replicas starting together migrate once; each applied version is a row of
/// <c>schema_migrations</c>.
/// </summary>
internal static class SchemaMigrations
{
    // pg_advisory_xact_lock key: "gwf-mig" as an integer; one lock per database, held for the migration's transaction.
    private const long AdvisoryLockKey = 0x6777_662D_6D69_67;

    /// <summary>Every migration, oldest first. Append new ones; never edit a shipped one.</summary>
    private static readonly (int Version, string Description, string Sql)[] Migrations =
    [
        (1, "executions and the event log", """
            -- One row per execution: the indexed facts the API lists and filters by. last_sequence is not
            -- indexed, so the update that every append makes is a HOT update (fillfactor leaves room for it).
            -- Ids compare byte-wise (COLLATE "C"), the order of page tokens.
            CREATE TABLE executions (
                execution_id         text COLLATE "C" PRIMARY KEY,
                workflow_id          text NOT NULL,
                state                integer NOT NULL,      -- grpcworkflows.v1.ExecutionState
                create_time          bigint NOT NULL,       -- UTC ticks
                end_time             bigint NULL,           -- UTC ticks; set exactly while the state is terminal
                last_sequence        bigint NOT NULL,       -- the log's last sequence: appends are conditional on it
                idempotency_key      text NULL UNIQUE,
                step_count           integer NOT NULL,
                succeeded_step_count integer NOT NULL,
                labels               jsonb NULL             -- the merged labels, as a JSON object
            ) WITH (fillfactor = 80);

            -- ListExecutions: newest first, optionally by state or workflow id; keyset paging on (create_time, execution_id).
            CREATE INDEX ix_executions_create_time ON executions (create_time DESC, execution_id DESC);
            CREATE INDEX ix_executions_state_create_time ON executions (state, create_time DESC, execution_id DESC);
            CREATE INDEX ix_executions_workflow_create_time ON executions (workflow_id, create_time DESC, execution_id DESC);
            -- Retention: finished executions by end time.
            CREATE INDEX ix_executions_end_time ON executions (end_time, execution_id) WHERE end_time IS NOT NULL;

            -- The log: one row per event, found by (execution_id, sequence). The submitted event is stored whole.
            CREATE TABLE events (
                execution_id text COLLATE "C" NOT NULL,
                sequence     bigint NOT NULL,
                kind         integer NOT NULL,              -- ExecutionEvent.KindOneofCase
                payload      bytea NOT NULL,                -- the serialized ExecutionEvent
                PRIMARY KEY (execution_id, sequence)
            );
            """),
        (2, "execution leases with a fencing epoch", """
            -- Who owns an execution among replicas, until when (the server's clock), and its epoch: one more at
            -- each change of hands; appends made through a lease are conditional on it.
            ALTER TABLE executions
                ADD COLUMN owner         text NULL,
                ADD COLUMN epoch         bigint NOT NULL DEFAULT 0,
                ADD COLUMN lease_expires timestamptz NULL;
            """),
        (3, "namespaces", """
            -- Every execution belongs to one namespace ('default' for those stored before). Idempotency keys are
            -- unique per namespace, and listings are per namespace.
            ALTER TABLE executions ADD COLUMN namespace text NOT NULL DEFAULT 'default';
            ALTER TABLE executions DROP CONSTRAINT IF EXISTS executions_idempotency_key_key;
            CREATE UNIQUE INDEX ux_executions_namespace_idempotency_key ON executions (namespace, idempotency_key);
            CREATE INDEX ix_executions_namespace_create_time ON executions (namespace, create_time DESC, execution_id DESC);
            """),
        (4, "replicas: claims, batched renewals and commands for an execution's owner", """
            -- Claims look for unfinished executions whose lease is missing or expired; renewals for every
            -- unfinished execution one replica owns.
            CREATE INDEX ix_executions_unfinished_lease ON executions (lease_expires NULLS FIRST) WHERE end_time IS NULL;
            CREATE INDEX ix_executions_unfinished_owner ON executions (owner) WHERE end_time IS NULL;

            -- Cancel and signal requests that reached a replica which does not own the execution: whichever
            -- replica owns it (now, or after a takeover) carries them out and deletes them.
            CREATE TABLE execution_commands (
                command_id   bigserial PRIMARY KEY,
                execution_id text COLLATE "C" NOT NULL,
                kind         integer NOT NULL,              -- ExecutionCommandKind: 1 cancel, 2 signal
                text         text NOT NULL,                 -- the cancel reason or the signal name
                payload      bytea NOT NULL,                -- a signal's google.protobuf.Struct
                created_at   timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            CREATE INDEX ix_execution_commands_execution ON execution_commands (execution_id);

            -- An execution handed over because its owner reaches no executor of a step type: the type it
            -- waits for; replicas that serve it claim it first.
            ALTER TABLE executions ADD COLUMN wants text NULL;

            -- Live replicas and the step types their executors serve (heartbeat every renewal tick), so that
            -- any replica validates a submission against the types served anywhere.
            CREATE TABLE replicas (
                replica_id   text PRIMARY KEY,
                step_types   text[] NOT NULL,
                heartbeat_at timestamptz NOT NULL
            );
            """),
        (5, "stored, versioned workflow definitions", """
            -- One row per stored workflow of a namespace: its latest version and whether it is deleted (a deleted
            -- workflow keeps its versions; registering its id again continues the numbering). Registrations lock
            -- this row, so two replicas registering one workflow get two versions.
            CREATE TABLE stored_workflows (
                namespace      text COLLATE "C" NOT NULL,
                workflow_id    text COLLATE "C" NOT NULL,
                latest_version integer NOT NULL,
                deleted        boolean NOT NULL DEFAULT false,
                PRIMARY KEY (namespace, workflow_id)
            );

            -- Every version, immutable.
            CREATE TABLE stored_workflow_versions (
                namespace   text COLLATE "C" NOT NULL,
                workflow_id text COLLATE "C" NOT NULL,
                version     integer NOT NULL,
                definition  bytea NOT NULL,                 -- the serialized WorkflowDefinition
                create_time bigint NOT NULL,                -- UTC ticks
                PRIMARY KEY (namespace, workflow_id, version)
            );
            """),
        (6, "schedules", """
            -- One row per schedule: the serialized Schedule (settings and state), a revision that every change
            -- moves on (changes are compare-and-set on it, whichever replica makes them), and the lease of the
            -- replica that fires it: one replica fires a schedule at a time.
            CREATE TABLE schedules (
                namespace   text COLLATE "C" NOT NULL,
                schedule_id text COLLATE "C" NOT NULL,
                schedule    bytea NOT NULL,                 -- the serialized grpcworkflows.v1.Schedule
                revision    bigint NOT NULL,
                owner       text NULL,
                lease_until bigint NULL,                    -- UTC ticks
                PRIMARY KEY (namespace, schedule_id)
            );
            """),
        (7, "push executors' registrations shared by replicas", """
            -- RegisterExecutor at any replica: every replica reads them each tick, heartbeats at any replica renew
            -- them (the later lease wins), and they outlive the replica that took them. A deregistered or replaced
            -- registration stays as removed until its lease is long past, so no replica that still holds it
            -- writes it back.
            CREATE TABLE executor_registrations (
                executor_id     text COLLATE "C" PRIMARY KEY,
                endpoint        text NOT NULL,
                step_types      text[] NOT NULL,
                max_concurrency integer NOT NULL,
                name            text NOT NULL,
                version         text NOT NULL,
                labels          jsonb NULL,
                owner           text NOT NULL,      -- the credential that registered it
                register_time   timestamptz NOT NULL,
                lease_expires   timestamptz NOT NULL,
                namespaces      text[] NULL,        -- the namespaces its credential covers; NULL for every namespace
                removed         boolean NOT NULL DEFAULT false
            );
            """),
        (8, "one event row per append, and no listing index without the namespace", """
            -- A row of the log holds event_count consecutive events from its sequence on (one row per execution per
            -- group commit): one event is its serialized ExecutionEvent as before, several are length-delimited one
            -- after another, with kind 0. Rows written before hold one event each.
            ALTER TABLE events ADD COLUMN event_count integer NOT NULL DEFAULT 1;

            -- Every listing filters by namespace (migration 3) and is served by ix_executions_namespace_create_time;
            -- the index without the namespace was never read, yet every insert and every update that moves an
            -- execution's state wrote an entry into it.
            DROP INDEX IF EXISTS ix_executions_create_time;
            """),
        (9, "no index on an execution's state", """
            -- An update that changes an indexed column writes an entry into every index of the table (it cannot be a
            -- heap-only update): with the state indexed, an execution's start from PENDING to RUNNING did, for each of
            -- its eight indexes. Listings filter by namespace (ix_executions_namespace_create_time) and, for the
            -- states of unfinished executions, by end_time IS NULL, served by this partial index; a finished
            -- execution's state is not indexed either, as its end_time already is.
            DROP INDEX IF EXISTS ix_executions_state_create_time;
            CREATE INDEX ix_executions_namespace_unfinished ON executions (namespace, create_time DESC, execution_id DESC) WHERE end_time IS NULL;
            """),
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Creates the schema when missing and applies the migrations it lacks; returns the version it ends at.</summary>
    /// <exception cref="InvalidOperationException">The schema was made by a newer version of the store.</exception>
    public static int Apply(NpgsqlConnection connection, string schema, ILogger logger)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})");
        Execute(connection, transaction, $"CREATE SCHEMA IF NOT EXISTS {Quote(schema)}");
        Execute(connection, transaction, $"""
            CREATE TABLE IF NOT EXISTS {Quote(schema)}.schema_migrations (
                version     integer PRIMARY KEY,
                description text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """);
        var current = Convert.ToInt32(
            Execute(connection, transaction, $"SELECT coalesce(max(version), 0) FROM {Quote(schema)}.schema_migrations"),
            System.Globalization.CultureInfo.InvariantCulture);
        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL schema '{schema}' has version {current}, newer than this orchestrator's {LatestVersion}. Run a newer orchestrator, or set Storage:Postgres:Schema to another schema.");
        }

        Execute(connection, transaction, $"SET LOCAL search_path TO {Quote(schema)}");
        var applied = new List<(int Version, string Description)>();
        foreach (var (version, description, sql) in Migrations)
        {
            if (version <= current)
            {
                continue;
            }

            Execute(connection, transaction, sql);
            using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter { Value = version });
                record.Parameters.Add(new NpgsqlParameter { Value = description });
                record.ExecuteNonQuery();
            }

            applied.Add((version, description));
            current = version;
        }

        transaction.Commit();
        foreach (var (version, description) in applied)
        {
            Log.MigrationApplied(logger, schema, version, description);
        }

        return current;
    }

    /// <summary>A schema name as a quoted identifier.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static object? Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        return command.ExecuteScalar();
    }
}
