using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Postgres.Internal;
using Npgsql;

namespace GrpcWorkflows.Storage.Postgres;

/// <summary>
/// Push executors' registrations shared by replicas (table <c>executor_registrations</c>): one round trip a
/// replica tick marks what the replica removed, upserts what it holds (the later lease wins; a removed
/// registration stays removed) and reads what every replica holds.
/// </summary>
public sealed partial class PostgresExecutionStore : IExecutorRegistrationStore
{
    // Removed registrations and expired ones are forgotten this long after their lease: by then no replica holds them.
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(5);

    private const string RemoveRegistrationsSql = """
        WITH forgotten AS (DELETE FROM executor_registrations WHERE lease_expires < $3)
        UPDATE executor_registrations SET removed = true WHERE executor_id = ANY($1) AND lease_expires >= $2
        """;

    private const string UpsertRegistrationsSql = """
        INSERT INTO executor_registrations AS r (executor_id, endpoint, step_types, max_concurrency, name, version, labels, owner, register_time, lease_expires, namespaces)
        SELECT v.id, v.endpoint, string_to_array(v.types, E'\x1f'), v.capacity, v.name, v.version, v.labels::jsonb, v.owner, v.registered, v.expires,
            string_to_array(v.namespaces, E'\x1f')
        FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[])
            AS v(id, endpoint, types, capacity, name, version, labels, owner, registered, expires, namespaces)
        ON CONFLICT (executor_id) DO UPDATE SET lease_expires = greatest(r.lease_expires, excluded.lease_expires)
        WHERE NOT r.removed
        """;

    private const string LiveRegistrationsSql = """
        SELECT executor_id, endpoint, step_types, max_concurrency, name, version, labels::text, owner, register_time, lease_expires, namespaces
        FROM executor_registrations WHERE NOT removed AND lease_expires > $1
        ORDER BY register_time, executor_id
        """;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StoredExecutorRegistration>> SyncRegistrationsAsync(
        IReadOnlyCollection<StoredExecutorRegistration> held, IReadOnlyCollection<string> removed, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(removed);
        return await RunAsync<IReadOnlyList<StoredExecutorRegistration>>(async () =>
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var batch = new NpgsqlBatch(connection);
                batch.BatchCommands.Add(Command(RemoveRegistrationsSql, removed.ToArray(), now.UtcDateTime, (now - ForgetAfter).UtcDateTime));
                batch.BatchCommands.Add(Command(
                    UpsertRegistrationsSql,
                    held.Select(r => r.ExecutorId).ToArray(),
                    held.Select(r => r.Endpoint).ToArray(),
                    held.Select(r => string.Join('\x1f', r.StepTypes)).ToArray(),
                    held.Select(r => r.MaxConcurrency).ToArray(),
                    held.Select(r => r.Name).ToArray(),
                    held.Select(r => r.Version).ToArray(),
                    held.Select(r => LabelsJson.Encode(r.Labels)).ToArray(),
                    held.Select(r => r.Owner).ToArray(),
                    held.Select(r => r.RegisterTime.UtcDateTime).ToArray(),
                    held.Select(r => r.LeaseExpires.UtcDateTime).ToArray(),
                    held.Select(r => r.Namespaces is null ? null : string.Join('\x1f', r.Namespaces)).ToArray()));
                batch.BatchCommands.Add(Command(LiveRegistrationsSql, now.UtcDateTime));
                var live = new List<StoredExecutorRegistration>();
                var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        live.Add(new StoredExecutorRegistration(
                            reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetInt32(3), reader.GetString(4), reader.GetString(5),
                            LabelsJson.Decode(reader.IsDBNull(6) ? null : reader.GetString(6)), reader.GetString(7),
                            reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9),
                            reader.IsDBNull(10) ? null : reader.GetFieldValue<string[]>(10)));
                    }
                }

                return live;
            }
        }).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }
}
