using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Postgres.Internal;
using GrpcWorkflows.V1;
using Npgsql;

namespace GrpcWorkflows.Storage.Postgres;

/// <summary>
/// Leases with a fencing epoch: one conditional <c>UPDATE</c> of the execution's row each, timed by the
/// server's clock (<c>clock_timestamp()</c>). Appends through a lease go through the writer's batches like
/// any append, with the epoch as one more condition of the row update.
/// </summary>
public sealed partial class PostgresExecutionStore
{
    private const string AcquireSql = """
        UPDATE executions SET owner = $2, epoch = epoch + 1, lease_expires = clock_timestamp() + $3
        WHERE execution_id = $1 AND (owner IS NULL OR lease_expires IS NULL OR lease_expires <= clock_timestamp() OR end_time IS NOT NULL)
        RETURNING epoch, lease_expires
        """;

    private const string RenewSql = """
        UPDATE executions SET lease_expires = clock_timestamp() + $3
        WHERE execution_id = $1 AND epoch = $2 AND owner = $4
        RETURNING epoch, lease_expires
        """;

    private const string ReleaseSql = "UPDATE executions SET owner = NULL, lease_expires = NULL WHERE execution_id = $1 AND epoch = $2 AND owner = $3";

    /// <inheritdoc />
    public async ValueTask<ExecutionLease?> TryAcquireAsync(string executionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return await LeaseCommandAsync(AcquireSql, executionId, owner, [executionId, owner, duration], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ExecutionLease?> RenewAsync(ExecutionLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return await LeaseCommandAsync(RenewSql, lease.ExecutionId, lease.Owner, [lease.ExecutionId, lease.Epoch, duration, lease.Owner], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask ReleaseAsync(ExecutionLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand(ReleaseSql);
            command.Parameters.Add(new NpgsqlParameter { Value = lease.ExecutionId });
            command.Parameters.Add(new NpgsqlParameter { Value = lease.Epoch });
            command.Parameters.Add(new NpgsqlParameter { Value = lease.Owner });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask AppendAsync(ExecutionLease lease, IReadOnlyList<ExecutionEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var payloads = StoreChunks.CheckAndSerialize(lease.ExecutionId, events, cancellationToken);
        var request = new AppendRequest { ExecutionId = lease.ExecutionId, Events = events, Payloads = payloads, Epoch = lease.Epoch };
        _writer.Enqueue(request);
        return new ValueTask(request.Task.WaitAsync(cancellationToken));
    }

    private Task<ExecutionLease?> LeaseCommandAsync(string sql, string executionId, string owner, object[] values, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new ExecutionLease(executionId, owner, reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1))
                    : null;
            }
        });
}
