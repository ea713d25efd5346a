using GrpcWorkflows.Engine.Schedules;
using GrpcWorkflows.Engine.StoredWorkflows;
using GrpcWorkflows.V1;
using Npgsql;

namespace GrpcWorkflows.Storage.Postgres;

/// <summary>
/// Schedules (table <c>schedules</c>, migration 6). Each change is one statement on a pooled connection,
/// outside the writer's batches; changes are compare-and-set on the row's revision, and a replica fires a
/// schedule only while it holds the row's lease, so replicas never fire one schedule side by side (and the
/// idempotent submission of each time keeps even a lease that changed hands from firing a time twice).
/// </summary>
public sealed partial class PostgresExecutionStore : IScheduleStore
{
    /// <inheritdoc />
    public async ValueTask<bool> CreateScheduleAsync(Schedule schedule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return await ScheduleCommandAsync(
            "INSERT INTO schedules (namespace, schedule_id, schedule, revision) VALUES ($1, $2, $3, 1) ON CONFLICT DO NOTHING",
            cancellationToken,
            schedule.Namespace,
            schedule.ScheduleId,
            Google.Protobuf.MessageExtensions.ToByteArray(schedule)).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<StoredSchedule?> GetScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scheduleNamespace);
        ArgumentNullException.ThrowIfNull(scheduleId);
        return await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand("SELECT schedule, revision FROM schedules WHERE namespace = $1 AND schedule_id = $2");
            command.Parameters.Add(new NpgsqlParameter { Value = scheduleNamespace });
            command.Parameters.Add(new NpgsqlParameter { Value = scheduleId });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new StoredSchedule(Schedule.Parser.ParseFrom((byte[])reader.GetValue(0)), reader.GetInt64(1))
                    : null;
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<SchedulePage> ListSchedulesAsync(string scheduleNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scheduleNamespace);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var after = WorkflowPageToken.Decode(scheduleNamespace, pageToken);
        return await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand("SELECT schedule FROM schedules WHERE namespace = $1 AND schedule_id > $2 ORDER BY schedule_id LIMIT $3");
            command.Parameters.Add(new NpgsqlParameter { Value = scheduleNamespace });
            command.Parameters.Add(new NpgsqlParameter { Value = after ?? "" });
            command.Parameters.Add(new NpgsqlParameter { Value = pageSize + 1 });
            var items = new List<Schedule>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    items.Add(Schedule.Parser.ParseFrom((byte[])reader.GetValue(0)));
                }
            }

            return SchedulePage.Of(scheduleNamespace, items, pageSize);
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> UpdateScheduleAsync(Schedule schedule, long revision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return await ScheduleCommandAsync(
            "UPDATE schedules SET schedule = $3, revision = revision + 1 WHERE namespace = $1 AND schedule_id = $2 AND revision = $4",
            cancellationToken,
            schedule.Namespace,
            schedule.ScheduleId,
            Google.Protobuf.MessageExtensions.ToByteArray(schedule),
            revision).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scheduleNamespace);
        ArgumentNullException.ThrowIfNull(scheduleId);
        return await ScheduleCommandAsync("DELETE FROM schedules WHERE namespace = $1 AND schedule_id = $2", cancellationToken, scheduleNamespace, scheduleId).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ScheduleKey>> ClaimSchedulesAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return await RunAsync<IReadOnlyList<ScheduleKey>>(async () =>
        {
            using var command = _dataSource.CreateCommand("""
                UPDATE schedules SET owner = $1, lease_until = $2
                WHERE owner IS NULL OR owner = $1 OR lease_until < $3
                RETURNING namespace, schedule_id
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = owner });
            command.Parameters.Add(new NpgsqlParameter { Value = (now + leaseDuration).UtcTicks });
            command.Parameters.Add(new NpgsqlParameter { Value = now.UtcTicks });
            var keys = new List<ScheduleKey>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    keys.Add(new ScheduleKey(reader.GetString(0), reader.GetString(1)));
                }
            }

            return keys;
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask ReleaseSchedulesAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        await ScheduleCommandAsync("UPDATE schedules SET owner = NULL, lease_until = NULL WHERE owner = $1", cancellationToken, owner).ConfigureAwait(false);
    }

    /// <summary>Runs one statement with positional parameters; returns the rows it changed.</summary>
    private async Task<int> ScheduleCommandAsync(string sql, CancellationToken cancellationToken, params object[] values)
        => await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
}
