using GrpcWorkflows.Engine.StoredWorkflows;
using GrpcWorkflows.V1;
using Npgsql;

namespace GrpcWorkflows.Storage.Postgres;

/// <summary>
/// Stored workflow definitions (tables <c>stored_workflows</c> and <c>stored_workflow_versions</c>,
/// migration 5). Registrations and deletions are rare: each is one transaction on a pooled connection,
/// outside the writer's batches; a registration locks the workflow's row, so concurrent registrations
/// (from any replica) number their versions one after the other.
/// </summary>
public sealed partial class PostgresExecutionStore : IWorkflowStore
{
    /// <inheritdoc />
    public async ValueTask<RegisteredWorkflow> RegisterWorkflowAsync(string workflowNamespace, WorkflowDefinition definition, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowNamespace);
        ArgumentNullException.ThrowIfNull(definition);
        return await RunAsync(async () =>
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // Make sure the row exists, then lock it: registrations of one workflow run one at a time.
                    using (var ensure = Command(connection, "INSERT INTO stored_workflows (namespace, workflow_id, latest_version, deleted) VALUES ($1, $2, 0, false) ON CONFLICT DO NOTHING", workflowNamespace, definition.Id))
                    {
                        await ensure.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    int latest;
                    bool deleted;
                    using (var read = Command(connection, "SELECT latest_version, deleted FROM stored_workflows WHERE namespace = $1 AND workflow_id = $2 FOR UPDATE", workflowNamespace, definition.Id))
                    {
                        var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                            latest = reader.GetInt32(0);
                            deleted = reader.GetBoolean(1);
                        }
                    }

                    if (latest > 0 && !deleted && await ReadVersionAsync(connection, workflowNamespace, definition.Id, latest, latest, cancellationToken).ConfigureAwait(false) is { } current
                        && current.Definition.Equals(definition))
                    {
                        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                        return new RegisteredWorkflow(current, Existing: true);
                    }

                    var version = latest + 1;
                    using (var insert = Command(connection, "INSERT INTO stored_workflow_versions (namespace, workflow_id, version, definition, create_time) VALUES ($1, $2, $3, $4, $5)", workflowNamespace, definition.Id))
                    {
                        insert.Parameters.Add(new NpgsqlParameter { Value = version });
                        insert.Parameters.Add(new NpgsqlParameter { Value = Google.Protobuf.MessageExtensions.ToByteArray(definition) });
                        insert.Parameters.Add(new NpgsqlParameter { Value = now.UtcTicks });
                        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    using (var update = Command(connection, "UPDATE stored_workflows SET latest_version = $3, deleted = false WHERE namespace = $1 AND workflow_id = $2", workflowNamespace, definition.Id))
                    {
                        update.Parameters.Add(new NpgsqlParameter { Value = version });
                        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return new RegisteredWorkflow(new WorkflowVersion(workflowNamespace, definition.Id, version, definition.Clone(), new DateTimeOffset(now.UtcTicks, TimeSpan.Zero), version), Existing: false);
                }
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<WorkflowVersion?> GetWorkflowAsync(string workflowNamespace, string workflowId, int version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowNamespace);
        ArgumentNullException.ThrowIfNull(workflowId);
        if (version < 0)
        {
            return null;
        }

        return await RunAsync(async () =>
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var read = Command(connection, "SELECT latest_version FROM stored_workflows WHERE namespace = $1 AND workflow_id = $2 AND NOT deleted AND latest_version > 0", workflowNamespace, workflowId);
                if (await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not int latest || version > latest)
                {
                    return null;
                }

                return await ReadVersionAsync(connection, workflowNamespace, workflowId, version == 0 ? latest : version, latest, cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<WorkflowVersionPage> ListWorkflowsAsync(string workflowNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowNamespace);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var after = WorkflowPageToken.Decode(workflowNamespace, pageToken);
        return await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand("""
                SELECT w.workflow_id, w.latest_version, v.definition, v.create_time
                FROM stored_workflows w
                JOIN stored_workflow_versions v ON v.namespace = w.namespace AND v.workflow_id = w.workflow_id AND v.version = w.latest_version
                WHERE w.namespace = $1 AND NOT w.deleted AND w.workflow_id > $2
                ORDER BY w.workflow_id
                LIMIT $3
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = workflowNamespace });
            command.Parameters.Add(new NpgsqlParameter { Value = after ?? "" });
            command.Parameters.Add(new NpgsqlParameter { Value = pageSize + 1 });
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
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<int> DeleteWorkflowAsync(string workflowNamespace, string workflowId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowNamespace);
        ArgumentNullException.ThrowIfNull(workflowId);
        return await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand("UPDATE stored_workflows SET deleted = true WHERE namespace = $1 AND workflow_id = $2 AND NOT deleted AND latest_version > 0 RETURNING latest_version");
            command.Parameters.Add(new NpgsqlParameter { Value = workflowNamespace });
            command.Parameters.Add(new NpgsqlParameter { Value = workflowId });
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int versions ? versions : 0;
        }).ConfigureAwait(false);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, string workflowNamespace, string workflowId)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = workflowNamespace });
        command.Parameters.Add(new NpgsqlParameter { Value = workflowId });
        return command;
    }

    private static async Task<WorkflowVersion?> ReadVersionAsync(NpgsqlConnection connection, string workflowNamespace, string workflowId, int version, int latest, CancellationToken cancellationToken)
    {
        using var command = Command(connection, "SELECT definition, create_time FROM stored_workflow_versions WHERE namespace = $1 AND workflow_id = $2 AND version = $3", workflowNamespace, workflowId);
        command.Parameters.Add(new NpgsqlParameter { Value = version });
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new WorkflowVersion(workflowNamespace, workflowId, version, WorkflowDefinition.Parser.ParseFrom((byte[])reader.GetValue(0)), new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero), latest)
                : null;
        }
    }
}
