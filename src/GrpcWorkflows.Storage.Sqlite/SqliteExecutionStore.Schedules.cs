using GrpcWorkflows.Engine.Schedules;
using GrpcWorkflows.Engine.StoredWorkflows;
using GrpcWorkflows.Storage.Sqlite.Internal;
using GrpcWorkflows.V1;
using Microsoft.Data.Sqlite;

namespace GrpcWorkflows.Storage.Sqlite;

/// <summary>
/// Schedules (table <c>schedules</c>, schema version 4). Changes are rare (a few per scheduled time):
/// each is one statement on a connection of its own, like stored workflows, outside the group commit.
/// </summary>
public sealed partial class SqliteExecutionStore : IScheduleStore
{
    /// <inheritdoc />
    public ValueTask<bool> CreateScheduleAsync(Schedule schedule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return WriteSchedule(connection =>
        {
            using var command = Command(connection, null, "INSERT INTO schedules (namespace, schedule_id, schedule, revision) VALUES ($ns, $id, $schedule, 1) ON CONFLICT DO NOTHING", schedule.Namespace, schedule.ScheduleId);
            command.Parameters.AddWithValue("$schedule", Google.Protobuf.MessageExtensions.ToByteArray(schedule));
            return command.ExecuteNonQuery() == 1;
        });
    }

    /// <inheritdoc />
    public async ValueTask<StoredSchedule?> GetScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scheduleNamespace);
        ArgumentNullException.ThrowIfNull(scheduleId);
        var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, null, "SELECT schedule, revision FROM schedules WHERE namespace = $ns AND schedule_id = $id", scheduleNamespace, scheduleId);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new StoredSchedule(Schedule.Parser.ParseFrom((byte[])reader.GetValue(0)), reader.GetInt64(1))
                    : null;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<SchedulePage> ListSchedulesAsync(string scheduleNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scheduleNamespace);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var after = WorkflowPageToken.Decode(scheduleNamespace, pageToken);
        var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, null, "SELECT schedule FROM schedules WHERE namespace = $ns AND schedule_id > $after ORDER BY schedule_id LIMIT $limit", scheduleNamespace, null);
            command.Parameters.AddWithValue("$after", after ?? "");
            command.Parameters.AddWithValue("$limit", pageSize + 1);
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
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> UpdateScheduleAsync(Schedule schedule, long revision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return WriteSchedule(connection =>
        {
            using var command = Command(connection, null, "UPDATE schedules SET schedule = $schedule, revision = revision + 1 WHERE namespace = $ns AND schedule_id = $id AND revision = $revision", schedule.Namespace, schedule.ScheduleId);
            command.Parameters.AddWithValue("$schedule", Google.Protobuf.MessageExtensions.ToByteArray(schedule));
            command.Parameters.AddWithValue("$revision", revision);
            return command.ExecuteNonQuery() == 1;
        });
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scheduleNamespace);
        ArgumentNullException.ThrowIfNull(scheduleId);
        return WriteSchedule(connection =>
        {
            using var command = Command(connection, null, "DELETE FROM schedules WHERE namespace = $ns AND schedule_id = $id", scheduleNamespace, scheduleId);
            return command.ExecuteNonQuery() == 1;
        });
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScheduleKey>> ClaimSchedulesAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return WriteSchedule<IReadOnlyList<ScheduleKey>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE schedules SET owner = $owner, lease_until = $until
                WHERE owner IS NULL OR owner = $owner OR lease_until < $now
                RETURNING namespace, schedule_id
                """;
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$until", (now + leaseDuration).UtcTicks);
            command.Parameters.AddWithValue("$now", now.UtcTicks);
            var keys = new List<ScheduleKey>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                keys.Add(new ScheduleKey(reader.GetString(0), reader.GetString(1)));
            }

            return keys;
        });
    }

    /// <inheritdoc />
    public ValueTask ReleaseSchedulesAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return new ValueTask(WriteSchedule(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE schedules SET owner = NULL, lease_until = NULL WHERE owner = $owner";
            command.Parameters.AddWithValue("$owner", owner);
            return command.ExecuteNonQuery();
        }).AsTask());
    }

    private ValueTask<T> WriteSchedule<T>(Func<SqliteConnection, T> write)
    {
        try
        {
            using var connection = OpenWorkflowWriter();
            return ValueTask.FromResult(write(connection));
        }
        catch (SqliteException exception)
        {
            throw SqliteFailures.Translate(exception, FilePath);
        }
    }
}
