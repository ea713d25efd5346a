using System.Text;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Postgres.Internal;
using GrpcWorkflows.V1;
using Npgsql;
using NpgsqlTypes;

namespace GrpcWorkflows.Storage.Postgres;

/// <summary>The reads: each on a pooled connection, never waiting for the writer.</summary>
public sealed partial class PostgresExecutionStore
{
    private const string RecordColumns =
        "execution_id, workflow_id, state, create_time, end_time, last_sequence, idempotency_key, step_count, succeeded_step_count, labels::text, namespace";

    /// <inheritdoc />
    /// <remarks>Reads in chunks of 256 events, one short statement each, so a slow consumer holds no snapshot.</remarks>
    public IAsyncEnumerable<ExecutionEvent> ReadEventsAsync(string executionId, long fromSequence, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        return StoreChunks.ReadEventsAsync((next, token) => RunAsync(() => ReadChunkAsync(executionId, next, token)), fromSequence, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<ExecutionRecord?> GetAsync(string executionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        return await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand($"SELECT {RecordColumns} FROM executions WHERE execution_id = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = executionId });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader) : null;
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Every filter, labels included (<c>jsonb</c> containment), and the page position are matched in SQL.</remarks>
    public async ValueTask<ExecutionPage> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var after = query.ReadPageToken();

        var sql = new StringBuilder($"SELECT {RecordColumns} FROM executions WHERE true");
        var parameters = new List<NpgsqlParameter>();
        string Bind(object value, NpgsqlDbType? type = null)
        {
            var parameter = new NpgsqlParameter { Value = value };
            if (type is { } dbType)
            {
                parameter.NpgsqlDbType = dbType;
            }

            parameters.Add(parameter);
            return "$" + parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        sql.Append(" AND namespace = ").Append(Bind(query.Namespace));
        if (query.States.Count > 0)
        {
            sql.Append(" AND state = ANY(").Append(Bind(query.States.Distinct().Select(s => (int)s).ToArray())).Append(')');

            // The state is not indexed (migration 9): the states of unfinished executions are read through the partial index.
            if (!query.States.Any(ExecutionIndexFacts.IsTerminalState))
            {
                sql.Append(" AND end_time IS NULL");
            }
        }

        if (!string.IsNullOrEmpty(query.WorkflowId))
        {
            sql.Append(" AND workflow_id = ").Append(Bind(query.WorkflowId));
        }

        if (!string.IsNullOrEmpty(query.ExecutionIdPrefix))
        {
            sql.Append(" AND starts_with(execution_id, ").Append(Bind(query.ExecutionIdPrefix)).Append(')');
        }

        if (query.CreatedAfter is { } createdAfter)
        {
            sql.Append(" AND create_time >= ").Append(Bind(createdAfter.UtcTicks));
        }

        if (query.CreatedBefore is { } createdBefore)
        {
            sql.Append(" AND create_time < ").Append(Bind(createdBefore.UtcTicks));
        }

        if (query.Labels.Count > 0)
        {
            sql.Append(" AND labels @> ").Append(Bind(LabelsJson.Encode(query.Labels)!, NpgsqlDbType.Jsonb));
        }

        if (after is { } position)
        {
            sql.Append(" AND (create_time, execution_id) < (").Append(Bind(position.CreateTimeTicks))
                .Append(", ").Append(Bind(position.ExecutionId)).Append(')');
        }

        sql.Append(" ORDER BY create_time DESC, execution_id DESC LIMIT ").Append(Bind(query.PageSize + 1));

        var items = await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand(sql.ToString());
            command.Parameters.AddRange(parameters.ToArray());
            var records = new List<ExecutionRecord>(Math.Min(query.PageSize + 1, 1024));
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    records.Add(ReadRecord(reader));
                }
            }

            return records;
        }).ConfigureAwait(false);

        if (items.Count <= query.PageSize)
        {
            return new ExecutionPage(items, NextPageToken: null);
        }

        items.RemoveAt(items.Count - 1);
        return new ExecutionPage(items, query.NextPageToken(items[^1]));
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> ListActiveAsync(CancellationToken cancellationToken = default) =>
        await RunAsync(async () =>
        {
            // Unfinished: PENDING or RUNNING, with no end time (read through the partial indexes on end_time IS NULL).
            using var command = _dataSource.CreateCommand("SELECT execution_id FROM executions WHERE end_time IS NULL");
            var active = new List<string>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    active.Add(reader.GetString(0));
                }
            }

            return (IReadOnlyList<string>)active;
        }).ConfigureAwait(false);

    /// <summary>
    /// The events from <paramref name="fromSequence"/> on in at most <see cref="ReadChunkSize"/> rows, starting
    /// with the row that holds <paramref name="fromSequence"/> (a row may hold several events), and whether more
    /// rows may follow (this read filled its rows).
    /// </summary>
    private async Task<(List<ExecutionEvent> Events, bool More)> ReadChunkAsync(string executionId, long fromSequence, CancellationToken cancellationToken)
    {
        using var command = _dataSource.CreateCommand("""
            SELECT payload, event_count FROM events
            WHERE execution_id = $1
              AND sequence >= coalesce((SELECT max(sequence) FROM events WHERE execution_id = $1 AND sequence <= $2), $2)
            ORDER BY sequence LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = executionId });
        command.Parameters.Add(new NpgsqlParameter { Value = fromSequence });
        command.Parameters.Add(new NpgsqlParameter { Value = ReadChunkSize });
        var events = new List<ExecutionEvent>();
        var rows = 0;
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows++;
                events.AddRange(EventRows.Unpack(reader.GetFieldValue<byte[]>(0), reader.GetInt32(1)).Where(e => e.Sequence >= fromSequence));
            }
        }

        return (events, rows == ReadChunkSize);
    }

    private static ExecutionRecord ReadRecord(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        (ExecutionState)reader.GetInt32(2),
        new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
        reader.IsDBNull(4) ? null : new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero),
        reader.GetInt64(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.GetInt32(7),
        reader.GetInt32(8),
        LabelsJson.Decode(reader.IsDBNull(9) ? null : reader.GetString(9)))
    {
        Namespace = reader.GetString(10),
    };
}
