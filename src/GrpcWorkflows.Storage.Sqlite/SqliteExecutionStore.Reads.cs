using System.Globalization;
using System.Text;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Sqlite.Internal;
using GrpcWorkflows.V1;
using Microsoft.Data.Sqlite;

namespace GrpcWorkflows.Storage.Sqlite;

/// <summary>The reads: each on its own pooled read-only connection, never waiting for the writer.</summary>
public sealed partial class SqliteExecutionStore
{
    /// <inheritdoc />
    /// <remarks>
    /// Reads in chunks of <c>256</c> events, each on a short read transaction, so a slow consumer (a
    /// watcher streaming to a slow client) never holds a snapshot that would stop WAL checkpoints.
    /// </remarks>
    public IAsyncEnumerable<ExecutionEvent> ReadEventsAsync(string executionId, long fromSequence, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        return StoreChunks.ReadEventsAsync((next, token) => ReadChunkAsync(executionId, next, token), fromSequence, ReadChunkSize, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<ExecutionRecord?> GetAsync(string executionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {RecordColumns} FROM executions WHERE execution_id = $id";
            command.Parameters.AddWithValue("$id", executionId);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader) : null;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// States, workflow id, creation bounds and the page position are matched in SQL on the
    /// executions indexes. Labels are stored as one column per execution, so a label filter is
    /// matched on the rows SQL returns, newest first, reading only until the page is full.
    /// </remarks>
    public async ValueTask<ExecutionPage> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var after = query.ReadPageToken();

        var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            var sql = new StringBuilder($"SELECT {RecordColumns} FROM executions WHERE namespace = $namespace");
            command.Parameters.AddWithValue("$namespace", query.Namespace);
            if (query.States.Count > 0)
            {
                sql.Append(" AND state IN (");
                var index = 0;
                foreach (var state in query.States.Distinct())
                {
                    sql.Append(index == 0 ? "$s0" : string.Create(CultureInfo.InvariantCulture, $", $s{index}"));
                    command.Parameters.AddWithValue(string.Create(CultureInfo.InvariantCulture, $"$s{index}"), (int)state);
                    index++;
                }

                sql.Append(')');
            }

            if (!string.IsNullOrEmpty(query.WorkflowId))
            {
                sql.Append(" AND workflow_id = $workflow");
                command.Parameters.AddWithValue("$workflow", query.WorkflowId);
            }

            if (!string.IsNullOrEmpty(query.ExecutionIdPrefix))
            {
                sql.Append(" AND substr(execution_id, 1, length($idPrefix)) = $idPrefix");
                command.Parameters.AddWithValue("$idPrefix", query.ExecutionIdPrefix);
            }

            if (query.CreatedAfter is { } createdAfter)
            {
                sql.Append(" AND create_time >= $createdAfter");
                command.Parameters.AddWithValue("$createdAfter", createdAfter.UtcTicks);
            }

            if (query.CreatedBefore is { } createdBefore)
            {
                sql.Append(" AND create_time < $createdBefore");
                command.Parameters.AddWithValue("$createdBefore", createdBefore.UtcTicks);
            }

            var byLabels = query.Labels.Count > 0;
            if (byLabels)
            {
                sql.Append(" AND labels IS NOT NULL");
            }

            if (after is { } position)
            {
                sql.Append(" AND (create_time < $afterTime OR (create_time = $afterTime AND execution_id < $afterId))");
                command.Parameters.AddWithValue("$afterTime", position.CreateTimeTicks);
                command.Parameters.AddWithValue("$afterId", position.ExecutionId);
            }

            sql.Append(" ORDER BY create_time DESC, execution_id DESC");
            if (!byLabels)
            {
                sql.Append(" LIMIT $limit");
                command.Parameters.AddWithValue("$limit", query.PageSize + 1);
            }

            command.CommandText = sql.ToString();

            var items = new List<ExecutionRecord>(Math.Min(query.PageSize + 1, 1024));
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (items.Count <= query.PageSize && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var record = ReadRecord(reader);
                    if (!byLabels || ExecutionLabels.Match(record.Labels, query.Labels))
                    {
                        items.Add(record);
                    }
                }
            }

            if (items.Count <= query.PageSize)
            {
                return new ExecutionPage(items, NextPageToken: null);
            }

            items.RemoveAt(items.Count - 1);
            var last = items[^1];
            return new ExecutionPage(items, query.NextPageToken(last));
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> ListActiveAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT execution_id FROM executions WHERE state IN ($pending, $running)";
            command.Parameters.AddWithValue("$pending", (int)ExecutionState.Pending);
            command.Parameters.AddWithValue("$running", (int)ExecutionState.Running);
            var active = new List<string>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    active.Add(reader.GetString(0));
                }
            }

            return active;
        }
    }

    private async Task<List<ExecutionEvent>> ReadChunkAsync(string executionId, long fromSequence, CancellationToken cancellationToken)
    {
        var events = new List<ExecutionEvent>();
        var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText =
                """
                SELECT e.payload, CASE WHEN e.sequence = 1 THEN d.definition END
                FROM executions x
                JOIN events e ON e.execution_key = x.execution_key
                LEFT JOIN definitions d ON e.sequence = 1 AND d.definition_hash = x.definition_hash
                WHERE x.execution_id = $id AND e.sequence >= $from
                ORDER BY e.sequence
                LIMIT $limit
                """;
            command.Parameters.AddWithValue("$id", executionId);
            command.Parameters.AddWithValue("$from", fromSequence);
            command.Parameters.AddWithValue("$limit", ReadChunkSize);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var @event = ExecutionEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0));
                    if (@event.KindCase == ExecutionEvent.KindOneofCase.Submitted && !reader.IsDBNull(1))
                    {
                        // The definition is stored once per content and joined back here.
                        @event.Submitted.Definition = WorkflowDefinition.Parser.ParseFrom(reader.GetFieldValue<byte[]>(1));
                    }

                    events.Add(@event);
                }
            }
        }

        return events;
    }

    private const string RecordColumns =
        "execution_id, workflow_id, state, create_time, end_time, " +
        "(SELECT max(e.sequence) FROM events e WHERE e.execution_key = executions.execution_key), " +
        "idempotency_key, step_count, succeeded_step_count, labels, namespace";

    private static ExecutionRecord ReadRecord(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        (ExecutionState)reader.GetInt32(2),
        new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
        reader.IsDBNull(4) ? null : new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero),
        reader.GetInt64(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.GetInt32(7),
        reader.GetInt32(8),
        LabelsColumn.Decode(reader.IsDBNull(9) ? null : reader.GetFieldValue<byte[]>(9)))
    {
        Namespace = reader.GetString(10),
    };

    private async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = new SqliteConnection(_readConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
