using GrpcWorkflows.Engine.StoredWorkflows;
using GrpcWorkflows.Storage.Sqlite.Internal;
using GrpcWorkflows.V1;
using Microsoft.Data.Sqlite;

namespace GrpcWorkflows.Storage.Sqlite;

/// <summary>
/// Stored workflow definitions (tables <c>stored_workflows</c> and <c>stored_workflow_versions</c>).
/// Registrations and deletions are rare: each runs in its own immediate transaction on a connection
/// of its own (waiting for the writer's batch through the busy timeout), not through the group commit.
/// </summary>
public sealed partial class SqliteExecutionStore : IWorkflowStore
{
    private const int WorkflowBusyTimeoutSeconds = 30;

    /// <inheritdoc />
    public ValueTask<RegisteredWorkflow> RegisterWorkflowAsync(string workflowNamespace, WorkflowDefinition definition, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowNamespace);
        ArgumentNullException.ThrowIfNull(definition);
        try
        {
            using var connection = OpenWorkflowWriter();
            using var transaction = connection.BeginTransaction(deferred: false);
            var latest = 0;
            var deleted = false;
            using (var read = Command(connection, transaction, "SELECT latest_version, deleted FROM stored_workflows WHERE namespace = $ns AND workflow_id = $id", workflowNamespace, definition.Id))
            using (var reader = read.ExecuteReader())
            {
                if (reader.Read())
                {
                    latest = reader.GetInt32(0);
                    deleted = reader.GetInt64(1) != 0;
                }
            }

            if (latest > 0 && !deleted && ReadVersion(connection, transaction, workflowNamespace, definition.Id, latest, latest) is { } current && current.Definition.Equals(definition))
            {
                return ValueTask.FromResult(new RegisteredWorkflow(current, Existing: true));
            }

            var version = latest + 1;
            using (var insert = Command(connection, transaction, """
                INSERT INTO stored_workflow_versions (namespace, workflow_id, version, definition, create_time) VALUES ($ns, $id, $version, $definition, $time);
                INSERT INTO stored_workflows (namespace, workflow_id, latest_version, deleted) VALUES ($ns, $id, $version, 0)
                    ON CONFLICT (namespace, workflow_id) DO UPDATE SET latest_version = excluded.latest_version, deleted = 0;
                """, workflowNamespace, definition.Id))
            {
                insert.Parameters.AddWithValue("$version", version);
                insert.Parameters.AddWithValue("$definition", Google.Protobuf.MessageExtensions.ToByteArray(definition));
                insert.Parameters.AddWithValue("$time", now.UtcTicks);
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
            return ValueTask.FromResult(new RegisteredWorkflow(new WorkflowVersion(workflowNamespace, definition.Id, version, definition.Clone(), new DateTimeOffset(now.UtcTicks, TimeSpan.Zero), version), Existing: false));
        }
        catch (SqliteException exception)
        {
            throw SqliteFailures.Translate(exception, FilePath);
        }
    }

    /// <inheritdoc />
    public async ValueTask<WorkflowVersion?> GetWorkflowAsync(string workflowNamespace, string workflowId, int version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowNamespace);
        ArgumentNullException.ThrowIfNull(workflowId);
        var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var transaction = connection.BeginTransaction(deferred: true);
            using var read = Command(connection, transaction, "SELECT latest_version FROM stored_workflows WHERE namespace = $ns AND workflow_id = $id AND deleted = 0", workflowNamespace, workflowId);
            if (read.ExecuteScalar() is not long latest || version < 0 || version > latest)
            {
                return null;
            }

            return ReadVersion(connection, transaction, workflowNamespace, workflowId, version == 0 ? (int)latest : version, (int)latest);
        }
    }

    /// <inheritdoc />
    public async ValueTask<WorkflowVersionPage> ListWorkflowsAsync(string workflowNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowNamespace);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var after = WorkflowPageToken.Decode(workflowNamespace, pageToken);
        var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, null, """
                SELECT w.workflow_id, w.latest_version, v.definition, v.create_time
                FROM stored_workflows w
                JOIN stored_workflow_versions v ON v.namespace = w.namespace AND v.workflow_id = w.workflow_id AND v.version = w.latest_version
                WHERE w.namespace = $ns AND w.deleted = 0 AND w.workflow_id > $after
                ORDER BY w.workflow_id
                LIMIT $limit
                """, workflowNamespace, null);
            command.Parameters.AddWithValue("$after", after ?? "");
            command.Parameters.AddWithValue("$limit", pageSize + 1);
            var items = new List<WorkflowVersion>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var latest = reader.GetInt32(1);
                    items.Add(new WorkflowVersion(workflowNamespace, reader.GetString(0), latest, WorkflowDefinition.Parser.ParseFrom((byte[])reader.GetValue(2)), new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero), latest));
                }
            }

            return WorkflowPageToken.Page(workflowNamespace, items, pageSize);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> DeleteWorkflowAsync(string workflowNamespace, string workflowId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowNamespace);
        ArgumentNullException.ThrowIfNull(workflowId);
        try
        {
            using var connection = OpenWorkflowWriter();
            using var command = Command(connection, null, "UPDATE stored_workflows SET deleted = 1 WHERE namespace = $ns AND workflow_id = $id AND deleted = 0 RETURNING latest_version", workflowNamespace, workflowId);
            return ValueTask.FromResult(command.ExecuteScalar() is long versions ? (int)versions : 0);
        }
        catch (SqliteException exception)
        {
            throw SqliteFailures.Translate(exception, FilePath);
        }
    }

    private SqliteConnection OpenWorkflowWriter()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = WorkflowBusyTimeoutSeconds,
        }.ToString());
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA busy_timeout = {WorkflowBusyTimeoutSeconds * 1000};";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, string workflowNamespace, string? workflowId)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$ns", workflowNamespace);
        if (workflowId is not null)
        {
            command.Parameters.AddWithValue("$id", workflowId);
        }

        return command;
    }

    private static WorkflowVersion? ReadVersion(SqliteConnection connection, SqliteTransaction transaction, string workflowNamespace, string workflowId, int version, int latest)
    {
        using var command = Command(connection, transaction, "SELECT definition, create_time FROM stored_workflow_versions WHERE namespace = $ns AND workflow_id = $id AND version = $version", workflowNamespace, workflowId);
        command.Parameters.AddWithValue("$version", version);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new WorkflowVersion(workflowNamespace, workflowId, version, WorkflowDefinition.Parser.ParseFrom((byte[])reader.GetValue(0)), new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero), latest)
            : null;
    }
}
