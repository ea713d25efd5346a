using System.Threading.Channels;
using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>
/// The store's single writer. Callers queue requests; one task drains the queue and writes everything
/// queued so far as one <see cref="NpgsqlBatch"/>: one round trip, one implicit transaction, one commit
/// (group commit), with every row of the batch bound as arrays (<c>unnest</c>): the statements do not grow
/// with the batch. Sequences are checked in memory first (each execution's last sequence is kept) and then
/// by the database: an append only writes when the row's <c>last_sequence</c> is still the one expected,
/// so a stale cache or a second writer yields a refused append, never a gap or a duplicate.
/// </summary>
internal sealed class PostgresWriter : IAsyncDisposable
{
    private const int MaxCachedExecutions = 200_000;

    // The null end time in the bound arrays (UTC ticks are never negative).
    private const long NoEndTime = -1;

    private static readonly string InsertExecutionsSql = $"""
        WITH created AS (
            INSERT INTO executions (execution_id, workflow_id, state, create_time, end_time, last_sequence, idempotency_key, step_count, succeeded_step_count, labels, namespace, owner, epoch, lease_expires)
            SELECT v.id, v.workflow, {(int)ExecutionState.Pending}, v.create_time, NULL, 1, v.key, v.steps, 0, v.labels::jsonb, v.namespace,
                   v.owner, CASE WHEN v.owner IS NULL THEN 0 ELSE 1 END,
                   CASE WHEN v.owner IS NULL THEN NULL ELSE clock_timestamp() + v.lease * interval '1 second' END
            FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::integer[], $6::text[], $8::text[], $9::text[], $10::float8[])
                WITH ORDINALITY AS v(id, workflow, create_time, key, steps, labels, namespace, owner, lease, position)
            ORDER BY v.position
            ON CONFLICT DO NOTHING
            RETURNING execution_id),
        submitted AS (
            INSERT INTO events (execution_id, sequence, kind, payload)
            SELECT v.id, 1, {(int)ExecutionEvent.KindOneofCase.Submitted}, v.payload
            FROM unnest($1::text[], $7::bytea[]) AS v(id, payload)
            WHERE v.id IN (SELECT execution_id FROM created))
        SELECT execution_id FROM created
        """;

    // The update is conditional on the expected last sequence and, for appends made through a lease, on the
    // lease's epoch (-1: unfenced); only the executions it moved get their events, one row each (EventRows). It
    // takes its row locks in whatever order the plan gives: lease renewal skips locked rows, claims skip them too,
    // so only a replica's release at drain locks several rows while waiting, and a deadlock there is retried
    // (40P01 is "unavailable").
    private const string AppendSql = """
        WITH moved AS (
            UPDATE executions x
            SET last_sequence = v.last, state = v.state, end_time = nullif(v.end_time, -1), succeeded_step_count = v.succeeded
            FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::integer[], $5::bigint[], $6::integer[], $11::bigint[]) AS v(id, expected, last, state, end_time, succeeded, epoch)
            WHERE x.execution_id = v.id AND x.last_sequence = v.expected AND (v.epoch < 0 OR x.epoch = v.epoch)
            RETURNING x.execution_id),
        appended AS (
            INSERT INTO events (execution_id, sequence, kind, payload, event_count)
            SELECT e.id, e.sequence, e.kind, e.payload, e.count
            FROM unnest($7::text[], $8::bigint[], $9::integer[], $10::bytea[], $12::integer[]) AS e(id, sequence, kind, payload, count)
            WHERE e.id IN (SELECT execution_id FROM moved))
        SELECT execution_id FROM moved
        """;

    private static readonly string LoadExecutionsSql = "SELECT execution_id, last_sequence, state, end_time FROM executions WHERE execution_id = ANY($1)";

    private static readonly string LoadStepEventsSql = $"""
        SELECT execution_id, payload, event_count FROM events
        WHERE execution_id = ANY($1)
          AND kind IN ({(int)ExecutionEvent.KindOneofCase.StepSucceeded}, {(int)ExecutionEvent.KindOneofCase.StepFailed}, {(int)ExecutionEvent.KindOneofCase.StepSkipped}, {(int)ExecutionEvent.KindOneofCase.StepCancelled}, {EventRows.Mixed})
        ORDER BY execution_id, sequence
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _server;
    private readonly int _maxBatchSize;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Channel<WriteRequest> _queue = Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions
    {
        SingleReader = true,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private readonly Dictionary<string, CachedExecution> _cache = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private NpgsqlConnection? _connection;
    private long _batches;
    private long _writes;
    private long _events;
    private long _roundTrips;
    private long _notifyUntilTicks;

    public PostgresWriter(NpgsqlDataSource dataSource, string server, int maxBatchSize, TimeProvider timeProvider, ILogger logger)
    {
        _dataSource = dataSource;
        _server = server;
        _maxBatchSize = maxBatchSize;
        _timeProvider = timeProvider;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public PostgresStoreStatistics Statistics => new(
        Interlocked.Read(ref _batches), Interlocked.Read(ref _writes), Interlocked.Read(ref _events), Interlocked.Read(ref _roundTrips));

    /// <summary>The channel committed batches notify (<c>pg_notify</c>) while <see cref="NotifyUntil"/> lasts, or null: never.</summary>
    public string? NotifyChannel { get; set; }

    /// <summary>Committed batches are notified until then (<see cref="TimeProvider.GetUtcNow"/>): a replica waits for appends.</summary>
    public DateTimeOffset NotifyUntil
    {
        get => new(Interlocked.Read(ref _notifyUntilTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _notifyUntilTicks, value.UtcTicks);
    }

    /// <summary>Queues a request; its task completes after the commit of the batch that carries it.</summary>
    public void Enqueue(WriteRequest request)
    {
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(request), typeof(PostgresExecutionStore));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        var statistics = Statistics;
        Log.StoreClosed(_logger, statistics.Batches, statistics.Writes, statistics.Events, statistics.RoundTrips);
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteRequest>(_maxBatchSize);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _maxBatchSize && _queue.Reader.TryRead(out var request))
            {
                batch.Add(request);
            }

            await WriteBatchAsync(batch).ConfigureAwait(false);
            batch.Clear();
        }
    }

    private async Task WriteBatchAsync(List<WriteRequest> batch)
    {
        try
        {
            var connection = await ConnectAsync().ConfigureAwait(false);
            await WriteAsync(connection, batch).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The transaction was rolled back (or, if the connection broke during the commit, its outcome is
            // unknown): the cache may hold facts that were not committed; reload on demand.
            _cache.Clear();
            Log.BatchFailed(_logger, exception, batch.Count);
            if (PostgresFailures.BreaksConnection(exception) && _connection is not null)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
                _connection = null;
            }

            var failure = PostgresFailures.Translate(exception, _server);
            foreach (var request in batch)
            {
                request.Fail(failure);
            }
        }
    }

    private async Task<NpgsqlConnection> ConnectAsync()
    {
        if (_connection is { State: System.Data.ConnectionState.Open })
        {
            return _connection;
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }

        Interlocked.Increment(ref _roundTrips);
        _connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);

        // The writer's statements find every row by key. A custom plan per batch costs a planning pass each time
        // (as much as the batch's own work for a small one), so the generic plan, planned once, is used. Planned on
        // a table that was small when the statement was first prepared (a new database, a fresh schema), or with
        // stale statistics, either plan may join by scanning the whole executions table at every batch, a cost
        // that grows with the table: no sequential scans on this connection, so rows are looked up by key whatever
        // the table's size.
        using var generic = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off", _connection);
        Interlocked.Increment(ref _roundTrips);
        await generic.ExecuteNonQueryAsync().ConfigureAwait(false);
        return _connection;
    }

    private async Task WriteAsync(NpgsqlConnection connection, List<WriteRequest> batch)
    {
        var creates = new List<CreateRequest>();
        var createdIds = new HashSet<string>(StringComparer.Ordinal);
        var appendIds = new List<string>();
        foreach (var request in batch)
        {
            switch (request)
            {
                case CreateRequest create when createdIds.Add(create.ExecutionId):
                    creates.Add(create);
                    break;
                case CreateRequest duplicate:
                    duplicate.Fail(new SequenceConflictException(duplicate.ExecutionId, expectedSequence: 0, actualSequence: 1));
                    break;
                case AppendRequest append when !_cache.ContainsKey(append.ExecutionId):
                    appendIds.Add(append.ExecutionId);
                    break;
                default:
                    break;
            }
        }

        if (appendIds.Count > 0)
        {
            await LoadAsync(connection, appendIds).ConfigureAwait(false);
        }

        var groups = GroupAppends(batch);
        var sent = groups.Where(g => g.Sent).ToList();
        using var command = new NpgsqlBatch(connection);
        if (creates.Count > 0)
        {
            command.BatchCommands.Add(CreateCommand(creates));
        }

        if (sent.Count > 0)
        {
            command.BatchCommands.Add(AppendCommand(sent));
        }

        if (NotifyChannel is { } channel && command.BatchCommands.Count > 0 && _timeProvider.GetUtcNow() < NotifyUntil)
        {
            // Replicas tailing the log are woken at the commit (LISTEN); same round trip, same transaction.
            var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, 'e')");
            notify.Parameters.Add(new NpgsqlParameter { Value = channel });
            command.BatchCommands.Add(notify);
        }

        var created = new HashSet<string>(StringComparer.Ordinal);
        var moved = new HashSet<string>(StringComparer.Ordinal);
        if (command.BatchCommands.Count == 0)
        {
            await CompleteAppendsAsync(connection, groups, moved).ConfigureAwait(false);
            return;
        }

        // No explicit transaction: Npgsql sends the batch with one Sync, so the server runs it as one
        // implicit transaction, committed before the last result arrives: one round trip for everything.
        Interlocked.Increment(ref _roundTrips);
        var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (creates.Count > 0)
            {
                await ReadIdsAsync(reader, created).ConfigureAwait(false);
                await reader.NextResultAsync().ConfigureAwait(false);
            }

            if (sent.Count > 0)
            {
                await ReadIdsAsync(reader, moved).ConfigureAwait(false);
            }

            while (await reader.NextResultAsync().ConfigureAwait(false))
            {
            }
        }

        Interlocked.Increment(ref _batches);
        await CompleteCreatesAsync(connection, creates, created).ConfigureAwait(false);
        await CompleteAppendsAsync(connection, groups, moved).ConfigureAwait(false);
    }

    /// <summary>Checks each append against the cached last sequence, folds it into the cache, and groups the accepted ones by execution.</summary>
    private List<AppendGroup> GroupAppends(List<WriteRequest> batch)
    {
        var groups = new List<AppendGroup>();
        var byId = new Dictionary<string, AppendGroup>(StringComparer.Ordinal);
        var now = _timeProvider.GetUtcNow();
        foreach (var request in batch)
        {
            if (request is not AppendRequest append)
            {
                continue;
            }

            if (!_cache.TryGetValue(append.ExecutionId, out var execution))
            {
                append.Fail(new ExecutionNotFoundException(append.ExecutionId));
                continue;
            }

            var expected = execution.LastSequence + 1;
            if (append.Events[0].Sequence != expected)
            {
                if (append.Epoch == AppendRequest.Unfenced)
                {
                    append.Fail(new SequenceConflictException(append.ExecutionId, expected, append.Events[0].Sequence));
                    continue;
                }

                if (!append.Reloaded)
                {
                    // The cache may be stale: another replica appended while this one did not own the
                    // execution. Reload it once (the next batch loads what the cache lacks) before judging.
                    append.Reloaded = true;
                    _cache.Remove(append.ExecutionId);
                    Requeue(append);
                    continue;
                }

                // Through a lease, a lost lease is the answer to give before a sequence conflict: the
                // database says which, after the batch.
                var refused = new AppendGroup(append.ExecutionId, execution.LastSequence, execution, append.Epoch) { Sent = false };
                refused.Requests.Add(append);
                groups.Add(refused);
                continue;
            }

            if (!byId.TryGetValue(append.ExecutionId, out var group))
            {
                group = new AppendGroup(append.ExecutionId, execution.LastSequence, execution, append.Epoch);
                byId.Add(append.ExecutionId, group);
                groups.Add(group);
            }
            else if (group.Epoch != append.Epoch)
            {
                // Two epochs for one execution in one batch: one of them is stale. The database decides in
                // the next batch, once this one is written.
                Requeue(append);
                continue;
            }

            foreach (var @event in append.Events)
            {
                execution.Apply(@event, now);
            }

            group.Requests.Add(append);
        }

        return groups;
    }

    private void Requeue(AppendRequest append)
    {
        if (!_queue.Writer.TryWrite(append))
        {
            append.Fail(new ObjectDisposedException(nameof(PostgresExecutionStore)));
        }
    }

    private static NpgsqlBatchCommand CreateCommand(List<CreateRequest> creates)
    {
        var command = new NpgsqlBatchCommand(InsertExecutionsSql);
        command.Parameters.Add(Array(creates.Select(c => c.ExecutionId).ToArray()));
        command.Parameters.Add(Array(creates.Select(c => c.Record.WorkflowId).ToArray()));
        command.Parameters.Add(Array(creates.Select(c => c.Record.CreateTime.UtcTicks).ToArray()));
        command.Parameters.Add(Array(creates.Select(c => c.IdempotencyKey).ToArray()));
        command.Parameters.Add(Array(creates.Select(c => c.Record.StepCount).ToArray()));
        command.Parameters.Add(Array(creates.Select(c => c.Labels).ToArray()));
        command.Parameters.Add(new NpgsqlParameter { Value = creates.Select(c => c.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(Array(creates.Select(c => c.Record.Namespace).ToArray()));
        command.Parameters.Add(new NpgsqlParameter { Value = creates.Select(c => c.Owner).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(Array(creates.Select(c => c.LeaseDuration.TotalSeconds).ToArray()));
        return command;
    }

    private static NpgsqlBatchCommand AppendCommand(List<AppendGroup> groups)
    {
        var command = new NpgsqlBatchCommand(AppendSql);
        command.Parameters.Add(Array(groups.Select(g => g.ExecutionId).ToArray()));
        command.Parameters.Add(Array(groups.Select(g => g.ExpectedLastSequence).ToArray()));
        command.Parameters.Add(Array(groups.Select(g => g.Execution.LastSequence).ToArray()));
        command.Parameters.Add(Array(groups.Select(g => (int)g.Execution.Facts.State).ToArray()));
        command.Parameters.Add(Array(groups.Select(g => g.Execution.Facts.EndTime is { } end ? end.UtcTicks : NoEndTime).ToArray()));
        command.Parameters.Add(Array(groups.Select(g => g.Execution.Facts.SucceededStepCount).ToArray()));

        // One row per execution: the events of all its appends in the batch, which are consecutive.
        var ids = new string[groups.Count];
        var sequences = new long[groups.Count];
        var kinds = new int[groups.Count];
        var payloads = new byte[groups.Count][];
        var counts = new int[groups.Count];
        for (var index = 0; index < groups.Count; index++)
        {
            var requests = groups[index].Requests;
            var first = requests[0].Events[0];
            ids[index] = groups[index].ExecutionId;
            sequences[index] = first.Sequence;
            counts[index] = requests.Sum(r => r.Events.Count);
            kinds[index] = counts[index] == 1 ? (int)first.KindCase : EventRows.Mixed;
            payloads[index] = EventRows.Pack([.. requests.SelectMany(r => r.Payloads)]);
        }

        command.Parameters.Add(Array(ids));
        command.Parameters.Add(Array(sequences));
        command.Parameters.Add(Array(kinds));
        command.Parameters.Add(new NpgsqlParameter { Value = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(Array(groups.Select(g => g.Epoch).ToArray()));
        command.Parameters.Add(Array(counts));
        return command;
    }

    private async Task CompleteCreatesAsync(NpgsqlConnection connection, List<CreateRequest> creates, HashSet<string> created)
    {
        var refused = new List<CreateRequest>();
        foreach (var create in creates)
        {
            if (created.Contains(create.ExecutionId))
            {
                if (_cache.Count >= MaxCachedExecutions)
                {
                    _cache.Clear();
                }

                _cache[create.ExecutionId] = new CachedExecution(1, new ExecutionIndexFacts());
                Interlocked.Increment(ref _writes);
                Interlocked.Increment(ref _events);
                create.Complete(new CreateExecutionResult(create.ExecutionId, Existing: false));
            }
            else
            {
                refused.Add(create);
            }
        }

        if (refused.Count == 0)
        {
            return;
        }

        // Not inserted: an execution with that idempotency key exists in that namespace (return it), or the id is taken.
        var existing = new Dictionary<(string Namespace, string Key), string>();
        var keys = refused.Where(c => c.IdempotencyKey is not null).Select(c => c.IdempotencyKey!).Distinct().ToArray();
        if (keys.Length > 0)
        {
            using var lookup = new NpgsqlCommand("SELECT namespace, idempotency_key, execution_id FROM executions WHERE idempotency_key = ANY($1)", connection);
            lookup.Parameters.Add(Array(keys));
            Interlocked.Increment(ref _roundTrips);
            var reader = await lookup.ExecuteReaderAsync().ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    existing[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
                }
            }
        }

        foreach (var create in refused)
        {
            if (create.IdempotencyKey is not null && existing.TryGetValue((create.Record.Namespace, create.IdempotencyKey), out var existingId))
            {
                create.Complete(new CreateExecutionResult(existingId, Existing: true));
            }
            else
            {
                create.Fail(new SequenceConflictException(create.ExecutionId, expectedSequence: 0, actualSequence: 1));
            }
        }
    }

    private async Task CompleteAppendsAsync(NpgsqlConnection connection, List<AppendGroup> groups, HashSet<string> moved)
    {
        var refused = new List<AppendGroup>();
        foreach (var group in groups)
        {
            if (!group.Sent || !moved.Contains(group.ExecutionId))
            {
                // Another writer moved the log (or deleted the execution): the cached entry is stale.
                _cache.Remove(group.ExecutionId);
                refused.Add(group);
                continue;
            }

            if (group.Execution.Facts.IsTerminal)
            {
                _cache.Remove(group.ExecutionId);
            }

            Interlocked.Add(ref _writes, group.Requests.Count);
            Interlocked.Add(ref _events, group.Requests.Sum(r => r.Events.Count));
            foreach (var request in group.Requests)
            {
                request.Complete();
            }
        }

        if (refused.Count == 0)
        {
            return;
        }

        var stored = new Dictionary<string, (long LastSequence, long Epoch)>(StringComparer.Ordinal);
        using var lookup = new NpgsqlCommand("SELECT execution_id, last_sequence, epoch FROM executions WHERE execution_id = ANY($1)", connection);
        lookup.Parameters.Add(Array(refused.Select(g => g.ExecutionId).ToArray()));
        Interlocked.Increment(ref _roundTrips);
        var reader = await lookup.ExecuteReaderAsync().ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                stored[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            }
        }

        foreach (var group in refused)
        {
            foreach (var request in group.Requests)
            {
                request.Fail(stored.TryGetValue(group.ExecutionId, out var row) switch
                {
                    false => new ExecutionNotFoundException(group.ExecutionId),
                    true when group.Epoch != AppendRequest.Unfenced && row.Epoch != group.Epoch => new ExecutionLeaseLostException(group.ExecutionId, group.Epoch, row.Epoch),
                    true => new SequenceConflictException(group.ExecutionId, row.LastSequence + 1, request.Events[0].Sequence),
                });
            }
        }
    }

    /// <summary>Loads the last sequence and indexed facts of executions not in the cache (one round trip).</summary>
    private async Task LoadAsync(NpgsqlConnection connection, List<string> executionIds)
    {
        var ids = executionIds.Distinct(StringComparer.Ordinal).ToArray();
        using var batch = new NpgsqlBatch(connection);
        var rows = new NpgsqlBatchCommand(LoadExecutionsSql);
        rows.Parameters.Add(Array(ids));
        var steps = new NpgsqlBatchCommand(LoadStepEventsSql);
        steps.Parameters.Add(Array(ids));
        batch.BatchCommands.Add(rows);
        batch.BatchCommands.Add(steps);

        if (_cache.Count + ids.Length > MaxCachedExecutions)
        {
            _cache.Clear();
        }

        Interlocked.Increment(ref _roundTrips);
        var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                _cache[reader.GetString(0)] = new CachedExecution(
                    reader.GetInt64(1),
                    new ExecutionIndexFacts(
                        (ExecutionState)reader.GetInt32(2),
                        reader.IsDBNull(3) ? null : new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero)));
            }

            await reader.NextResultAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                if (_cache.TryGetValue(reader.GetString(0), out var execution))
                {
                    foreach (var @event in EventRows.Unpack(reader.GetFieldValue<byte[]>(1), reader.GetInt32(2)))
                    {
                        execution.Facts.ApplyStep(@event);
                    }
                }
            }
        }
    }

    private static async Task ReadIdsAsync(NpgsqlDataReader reader, HashSet<string> into)
    {
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            into.Add(reader.GetString(0));
        }
    }

    private static NpgsqlParameter Array<T>(T[] values) => new() { Value = values };

    /// <summary>An execution's accepted appends in one batch: written together, conditional on the last sequence before them.</summary>
    private sealed class AppendGroup(string executionId, long expectedLastSequence, CachedExecution execution, long epoch)
    {
        /// <summary>The lease epoch every append of the group is conditional on, or <see cref="AppendRequest.Unfenced"/>.</summary>
        public long Epoch { get; } = epoch;

        /// <summary>False for a fenced append already refused by the cached sequence: not sent, classified after the batch.</summary>
        public bool Sent { get; init; } = true;

        public string ExecutionId { get; } = executionId;

        public long ExpectedLastSequence { get; } = expectedLastSequence;

        public CachedExecution Execution { get; } = execution;

        public List<AppendRequest> Requests { get; } = [];
    }
}
