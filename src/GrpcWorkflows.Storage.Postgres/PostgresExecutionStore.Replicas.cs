using Google.Protobuf;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Postgres.Internal;
using GrpcWorkflows.V1;
using Npgsql;

namespace GrpcWorkflows.Storage.Postgres;

/// <summary>
/// Replicas on one database: a create that the creating replica owns at once (epoch 1), claims of
/// executions nobody holds (<c>FOR UPDATE SKIP LOCKED</c>, so concurrent claimers split them), one
/// statement per renewal tick and per drain for everything a replica holds, commands for an execution's
/// owner, and <c>LISTEN</c>/<c>NOTIFY</c> wake-ups.
/// </summary>
public sealed partial class PostgresExecutionStore : IExecutionReplicaStore
{
    private const string ClaimSql = """
        UPDATE executions x SET owner = $1, epoch = x.epoch + 1, lease_expires = clock_timestamp() + $2, wants = NULL
        FROM (SELECT execution_id FROM executions
              WHERE end_time IS NULL
                AND (lease_expires IS NULL OR lease_expires <= clock_timestamp()
                     OR (owner IS NULL AND (wants = ANY($4) OR namespace || E'\x1f' || wants = ANY($4))))
              ORDER BY lease_expires NULLS FIRST
              LIMIT $3
              FOR UPDATE SKIP LOCKED) c
        WHERE x.execution_id = c.execution_id
        RETURNING x.execution_id, x.epoch, x.lease_expires
        """;

    // Renewal never waits for a row the writer holds (SKIP LOCKED), so a tick and a batch of appends can neither
    // deadlock nor queue behind each other; a lease skipped this tick is still reported as held (read, not
    // renewed) and is renewed at a later tick, long before it expires (the lease lasts several renew intervals).
    // Only leases past a third of their life are extended: with the renew interval at most a third of the lease,
    // a lease left alone still has a third of it at the next tick. A row is rewritten every other tick instead of
    // at each one, and an execution shorter than a third of a lease is never rewritten for its lease at all
    // (lease_expires is indexed, so each renewal is a whole row version with its index entries).
    private const string RenewAllSql = """
        WITH locked AS (
            SELECT execution_id FROM executions
            WHERE owner = $1 AND end_time IS NULL AND lease_expires < clock_timestamp() + $2 * 2 / 3
            FOR UPDATE SKIP LOCKED),
        renewed AS (
            UPDATE executions x SET lease_expires = clock_timestamp() + $2
            FROM locked l
            WHERE x.execution_id = l.execution_id
            RETURNING x.execution_id, x.epoch, x.lease_expires)
        SELECT execution_id, epoch, lease_expires FROM renewed
        UNION ALL
        SELECT execution_id, epoch, lease_expires FROM executions
        WHERE owner = $1 AND end_time IS NULL AND execution_id NOT IN (SELECT execution_id FROM renewed)
        """;

    private const string ReleaseAllSql = """
        WITH gone AS (DELETE FROM replicas WHERE replica_id = $1),
        locked AS (SELECT execution_id FROM executions WHERE owner = $1 ORDER BY execution_id FOR UPDATE)
        UPDATE executions x SET owner = NULL, lease_expires = NULL, wants = NULL
        FROM locked l
        WHERE x.execution_id = l.execution_id AND x.owner = $1
        """;

    // Handed over for a step type: nobody owns it; replicas serving the type in the execution's namespace (a bare type
    // in $4 of ClaimSql, or namespace U+001F type: ServedStepTypes) claim it at once, any replica after $5.
    private const string HandOverSql = """
        UPDATE executions SET owner = NULL, lease_expires = clock_timestamp() + $5, wants = $3
        WHERE execution_id = $1 AND epoch = $2 AND owner = $4
        """;

    private const string HeartbeatSql = """
        WITH beat AS (
            INSERT INTO replicas (replica_id, step_types, heartbeat_at) VALUES ($1, $2, clock_timestamp())
            ON CONFLICT (replica_id) DO UPDATE SET step_types = excluded.step_types, heartbeat_at = excluded.heartbeat_at)
        SELECT replica_id, step_types FROM replicas WHERE replica_id <> $1 AND heartbeat_at > clock_timestamp() - $3
        """;

    private const string ReadCommandsSql = """
        SELECT c.command_id, c.execution_id, c.kind, c.text, c.payload
        FROM execution_commands c JOIN executions x ON x.execution_id = c.execution_id
        WHERE x.owner = $1
        ORDER BY c.command_id
        """;

    /// <summary>The payload of a notice on the commands' channel that a replica waits for appends.</summary>
    private const string WatchNotice = "w";

    /// <summary>How long the appends' listener stays after the last wait for an append, and how long replicas notify appends after a watch notice.</summary>
    private static readonly TimeSpan AppendsListenerIdle = TimeSpan.FromMinutes(1);

    /// <summary>How often a replica that waits for appends repeats its watch notice (well within <see cref="AppendsListenerIdle"/>).</summary>
    private static readonly TimeSpan WatchNoticeEvery = TimeSpan.FromSeconds(15);

    private static readonly TaskCompletionSource Never = new();
    private readonly Lock _listenerGate = new();
    private PostgresChangeListener? _listener;
    private PostgresChangeListener? _appendsListener;
    private DateTimeOffset _watchNoticeSent = DateTimeOffset.MinValue;

    /// <inheritdoc />
    public async ValueTask<(CreateExecutionResult Created, ExecutionLease? Lease)> CreateOwnedAsync(ExecutionEvent firstEvent, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var record = ExecutionRecord.OfNewExecution(firstEvent, _timeProvider.GetUtcNow());
        cancellationToken.ThrowIfCancellationRequested();
        var request = new CreateRequest
        {
            Record = record,
            Labels = LabelsJson.Encode(record.Labels),
            Payload = firstEvent.ToByteArray(),
            Owner = owner,
            LeaseDuration = duration,
        };
        _writer.Enqueue(request);
        var created = await request.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return (created, created.Existing ? null : new ExecutionLease(created.ExecutionId, owner, 1, _timeProvider.GetUtcNow() + duration));
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ExecutionLease>> ClaimAsync(string owner, TimeSpan duration, int max, IReadOnlyCollection<string> servedStepTypes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(servedStepTypes);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return await LeasesAsync(ClaimSql, owner, [owner, duration, max, servedStepTypes.ToArray()], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> HandOverAsync(ExecutionLease lease, string stepType, TimeSpan exclusivity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentException.ThrowIfNullOrEmpty(stepType);
        return await RunAsync(async () =>
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var batch = new NpgsqlBatch(connection);
                var update = new NpgsqlBatchCommand(HandOverSql);
                foreach (var value in new object[] { lease.ExecutionId, lease.Epoch, stepType, lease.Owner, exclusivity })
                {
                    update.Parameters.Add(new NpgsqlParameter { Value = value });
                }

                batch.BatchCommands.Add(update);
                batch.BatchCommands.Add(NotifyCommand("c"));
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return update.RecordsAffected == 1;
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ReplicaHeartbeat> HeartbeatAsync(string owner, IReadOnlyCollection<string> servedStepTypes, TimeSpan liveWithin, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(servedStepTypes);
        return await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand(HeartbeatSql);
            command.Parameters.Add(new NpgsqlParameter { Value = owner });
            command.Parameters.Add(new NpgsqlParameter { Value = servedStepTypes.ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = liveWithin });
            var replicas = new List<string>();
            var types = new HashSet<string>(StringComparer.Ordinal);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    replicas.Add(reader.GetString(0));
                    types.UnionWith(reader.GetFieldValue<string[]>(1));
                }
            }

            return new ReplicaHeartbeat([.. types], replicas);
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ExecutionLease>> RenewAllAsync(string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return await LeasesAsync(RenewAllSql, owner, [owner, duration], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<int> ReleaseAllAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand(ReleaseAllSql);
            command.Parameters.Add(new NpgsqlParameter { Value = owner });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask AddCommandAsync(ExecutionCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        await RunAsync(async () =>
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var batch = new NpgsqlBatch(connection);
                var insert = new NpgsqlBatchCommand("INSERT INTO execution_commands (execution_id, kind, text, payload) VALUES ($1, $2, $3, $4)");
                insert.Parameters.Add(new NpgsqlParameter { Value = command.ExecutionId });
                insert.Parameters.Add(new NpgsqlParameter { Value = (int)command.Kind });
                insert.Parameters.Add(new NpgsqlParameter { Value = command.Text });
                insert.Parameters.Add(new NpgsqlParameter { Value = command.Payload });
                batch.BatchCommands.Add(insert);
                batch.BatchCommands.Add(NotifyCommand("c"));
                return await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ExecutionCommand>> ReadCommandsAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand(ReadCommandsSql);
            command.Parameters.Add(new NpgsqlParameter { Value = owner });
            var commands = new List<ExecutionCommand>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    commands.Add(new ExecutionCommand(
                        reader.GetInt64(0), reader.GetString(1), (ExecutionCommandKind)reader.GetInt32(2), reader.GetString(3), reader.GetFieldValue<byte[]>(4)));
                }
            }

            return commands;
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DeleteCommandsAsync(IReadOnlyList<long> commandIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commandIds);
        if (commandIds.Count == 0)
        {
            return;
        }

        await RunAsync(async () =>
        {
            using var command = _dataSource.CreateCommand("DELETE FROM execution_commands WHERE command_id = ANY($1)");
            command.Parameters.Add(new NpgsqlParameter { Value = commandIds.ToArray() });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Commands are heard at once and always (one <c>LISTEN</c> connection). Appends are notified on a channel of
    /// their own, and only while some replica wants them: a replica listens to that channel only while something
    /// of it waits in <see cref="WhenAppended"/> (a watcher of an execution another replica owns) and for a minute
    /// after, and says so on the commands' channel (a <see cref="WatchNotice"/>, repeated while it waits); every
    /// replica that hears one notifies its group commits for <see cref="AppendsListenerIdle"/> from then. With
    /// nobody watching, a commit carries no notification at all: PostgreSQL wakes every listening backend of the
    /// database at each notifying commit, whatever the channel, so a notification nobody wants still costs a
    /// process wake-up per commit. A wake-up lost meanwhile (the notice not heard yet) is what the contract already
    /// allows: waiters re-read after a timeout.
    /// </remarks>
    public void EnableChangeNotifications()
    {
        _writer.NotifyChannel = AppendsChannel;
        lock (_listenerGate)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            _listener ??= new PostgresChangeListener(_dataSource, Channel, _logger, onNotification: HeardOnCommandsChannel);
        }
    }

    /// <inheritdoc />
    public Task WhenAppended()
    {
        PostgresChangeListener? stopped = null;
        Task notified;
        lock (_listenerGate)
        {
            if (_listener is null || Volatile.Read(ref _disposed) != 0)
            {
                return Never.Task;
            }

            if (_appendsListener is not { Stopped: false })
            {
                stopped = _appendsListener;
                _appendsListener = new PostgresChangeListener(_dataSource, AppendsChannel, _logger, AppendsListenerIdle);
                _watchNoticeSent = DateTimeOffset.MinValue;
            }

            notified = _appendsListener.Notified;
            var now = _timeProvider.GetUtcNow();
            if (now - _watchNoticeSent >= WatchNoticeEvery)
            {
                _watchNoticeSent = now;
                _ = SendWatchNoticeAsync();
            }
        }

        if (stopped is not null)
        {
            _ = stopped.DisposeAsync().AsTask();
        }

        return notified;
    }

    /// <inheritdoc />
    public Task WhenCommanded()
    {
        lock (_listenerGate)
        {
            return _listener?.Notified ?? Never.Task;
        }
    }

    /// <summary>The <c>LISTEN</c>/<c>NOTIFY</c> channel of this schema's commands.</summary>
    private string Channel => "gwf_" + Schema;

    /// <summary>The <c>LISTEN</c>/<c>NOTIFY</c> channel of this schema's committed appends.</summary>
    private string AppendsChannel => "gwf_e_" + Schema;

    /// <summary>A replica heard on the commands' channel: when it is a watch notice, this replica's commits are notified for a while.</summary>
    private void HeardOnCommandsChannel(string payload)
    {
        if (payload == WatchNotice)
        {
            _writer.NotifyUntil = _timeProvider.GetUtcNow() + AppendsListenerIdle;
        }
    }

    /// <summary>Tells every replica (this one included) that this one waits for appends; a notice lost is sent again with the next wait after <see cref="WatchNoticeEvery"/>.</summary>
    private async Task SendWatchNoticeAsync()
    {
        try
        {
            await RunAsync(async () =>
            {
                using var notice = _dataSource.CreateBatch();
                notice.BatchCommands.Add(NotifyCommand(WatchNotice));
                return await notice.ExecuteNonQueryAsync().ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            lock (_listenerGate)
            {
                _watchNoticeSent = DateTimeOffset.MinValue;
            }

            Log.WatchNoticeFailed(_logger, exception);
        }
    }

    private NpgsqlBatchCommand NotifyCommand(string payload)
    {
        var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, $2)");
        notify.Parameters.Add(new NpgsqlParameter { Value = Channel });
        notify.Parameters.Add(new NpgsqlParameter { Value = payload });
        return notify;
    }

    private Task<IReadOnlyList<ExecutionLease>> LeasesAsync(string sql, string owner, object[] values, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<ExecutionLease>>(async () =>
        {
            using var command = _dataSource.CreateCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            var leases = new List<ExecutionLease>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    leases.Add(new ExecutionLease(reader.GetString(0), owner, reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2)));
                }
            }

            return leases;
        });
}
