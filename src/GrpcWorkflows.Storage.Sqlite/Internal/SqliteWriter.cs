using System.Threading.Channels;
using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>
/// The store's single writer. Callers queue requests; one task drains the queue and writes
/// everything queued so far in one transaction (group commit), then completes each caller.
/// Sequences are checked here, against the last sequence of each execution kept in memory
/// (loaded from the database the first time an execution is written to after opening).
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private const int MaxCachedExecutions = 200_000;

    private readonly SqliteConnection _connection;
    private readonly int _maxBatchSize;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _path;
    private readonly Channel<WriteRequest> _queue = Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions
    {
        SingleReader = true,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private readonly Dictionary<string, CachedExecution> _cache = new(StringComparer.Ordinal);
    private readonly List<string> _finishedInBatch = [];
    private readonly Task _loop;

    private readonly SqliteCommand _insertExecution;
    private readonly SqliteCommand _selectByIdempotencyKey;
    private readonly SqliteCommand _insertDefinition;
    private readonly EventInsert _insertEvent;
    private readonly SqliteCommand _updateExecution;
    private readonly SqliteCommand _selectExecution;
    private readonly SqliteCommand _selectStepEvents;
    private readonly SqliteCommand[] _commands;

    private SqliteTransaction? _transaction;
    private long _batches;
    private long _writes;
    private long _events;

    public SqliteWriter(SqliteConnection connection, string path, int maxBatchSize, TimeProvider timeProvider, ILogger logger)
    {
        _connection = connection;
        _path = path;
        _maxBatchSize = maxBatchSize;
        _timeProvider = timeProvider;
        _logger = logger;

        _insertExecution = Prepare(
            """
            INSERT INTO executions (execution_id, workflow_id, state, create_time, end_time, idempotency_key, step_count, succeeded_step_count, labels, definition_hash, namespace)
            VALUES ($id, $workflow, 1, $create, NULL, $key, $steps, 0, $labels, $hash, $namespace)
            ON CONFLICT DO NOTHING
            RETURNING execution_key
            """,
            "$id", "$workflow", "$create", "$key", "$steps", "$labels", "$hash", "$namespace");
        _selectByIdempotencyKey = Prepare("SELECT execution_id FROM executions WHERE namespace = $namespace AND idempotency_key = $key", "$namespace", "$key");
        _insertDefinition = Prepare(
            "INSERT OR IGNORE INTO definitions (definition_hash, workflow_id, definition, create_time) VALUES ($hash, $workflow, $definition, $create)",
            "$hash", "$workflow", "$definition", "$create");
        _insertEvent = new EventInsert(connection);
        _updateExecution = Prepare(
            "UPDATE executions SET state = $state, end_time = $end, succeeded_step_count = $succeeded WHERE execution_key = $execution",
            "$state", "$end", "$succeeded", "$execution");
        _selectExecution = Prepare(
            "SELECT x.execution_key, (SELECT max(e.sequence) FROM events e WHERE e.execution_key = x.execution_key), x.state, x.end_time FROM executions x WHERE x.execution_id = $id",
            "$id");
        _selectStepEvents = Prepare(
            $"""
            SELECT payload FROM events WHERE execution_key = $execution AND kind IN ({(int)ExecutionEvent.KindOneofCase.StepSucceeded}, {(int)ExecutionEvent.KindOneofCase.StepFailed}, {(int)ExecutionEvent.KindOneofCase.StepSkipped}, {(int)ExecutionEvent.KindOneofCase.StepCancelled})
            ORDER BY sequence
            """,
            "$execution");

        _commands = [_insertExecution, _selectByIdempotencyKey, _insertDefinition, _updateExecution, _selectExecution, _selectStepEvents];
        _loop = Task.Run(RunAsync);
    }

    public SqliteStoreStatistics Statistics => new(Interlocked.Read(ref _batches), Interlocked.Read(ref _writes), Interlocked.Read(ref _events));

    /// <summary>Queues a request; its task completes after the commit of the batch that carries it.</summary>
    public void Enqueue(WriteRequest request)
    {
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(request), typeof(SqliteExecutionStore));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        foreach (var command in _commands)
        {
            command.Dispose();
        }

        _insertEvent.Dispose();
        try
        {
            using var checkpoint = _connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            checkpoint.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            // The file stays consistent: the next open replays the log.
            Log.CheckpointFailed(_logger, e, _path);
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Inserts a new execution; returns the existing one for a known idempotency key, or null when the id is taken.</summary>
    public CreateExecutionResult? InsertExecution(CreateRequest request)
    {
        Bind(_insertExecution, request.ExecutionId, request.WorkflowId, request.CreateTimeTicks, (object?)request.IdempotencyKey ?? DBNull.Value,
            request.StepCount, (object?)request.Labels ?? DBNull.Value, request.DefinitionHash, request.Namespace);
        if (_insertExecution.ExecuteScalar() is not long key)
        {
            if (request.IdempotencyKey is not null)
            {
                Bind(_selectByIdempotencyKey, request.Namespace, request.IdempotencyKey);
                if (_selectByIdempotencyKey.ExecuteScalar() is string existingId)
                {
                    return new CreateExecutionResult(existingId, Existing: true);
                }
            }

            return null;
        }

        Bind(_insertDefinition, request.DefinitionHash, request.WorkflowId, request.Definition, request.CreateTimeTicks);
        _insertDefinition.ExecuteNonQuery();
        _insertEvent.Execute(key, 1L, (int)ExecutionEvent.KindOneofCase.Submitted, request.EventPayload);
        _cache[request.ExecutionId] = new CachedExecution(key, 1, new ExecutionIndexFacts());
        return new CreateExecutionResult(request.ExecutionId, Existing: false);
    }

    /// <summary>Checks that the events continue the log, writes them and updates the execution's row.</summary>
    public void AppendEvents(AppendRequest request)
    {
        var execution = GetOrLoad(request.ExecutionId) ?? throw new ExecutionNotFoundException(request.ExecutionId);
        var expected = execution.LastSequence + 1;
        if (request.Events[0].Sequence != expected)
        {
            throw new SequenceConflictException(request.ExecutionId, expected, request.Events[0].Sequence);
        }

        var now = _timeProvider.GetUtcNow();
        var facts = execution.Facts;
        var (state, endTime, succeeded) = (facts.State, facts.EndTime, facts.SucceededStepCount);
        for (var index = 0; index < request.Events.Count; index++)
        {
            var @event = request.Events[index];
            _insertEvent.Execute(execution.Key, @event.Sequence, (int)@event.KindCase, request.Payloads[index]);
            execution.Apply(@event, now);
        }

        // Only the indexed facts live in the row; most appends (ready, attempt started, failed) change none.
        if (state != facts.State || endTime != facts.EndTime || succeeded != facts.SucceededStepCount)
        {
            Bind(_updateExecution, (int)facts.State, facts.EndTime is { } end ? end.UtcTicks : DBNull.Value, facts.SucceededStepCount, execution.Key);
            _updateExecution.ExecuteNonQuery();
        }

        if (facts.IsTerminal)
        {
            _finishedInBatch.Add(request.ExecutionId);
        }
    }

    /// <summary>Deletes one chunk of finished executions with their events; returns how many.</summary>
    public int Purge(PurgeRequest request)
    {
        var purgedIds = new List<string>();
        using (var command = _connection.CreateCommand())
        {
            command.Transaction = _transaction;
            command.CommandText =
                """
                CREATE TEMP TABLE IF NOT EXISTS purge_ids (execution_key INTEGER PRIMARY KEY, execution_id TEXT NOT NULL);
                DELETE FROM purge_ids;
                INSERT OR IGNORE INTO purge_ids
                    SELECT execution_key, execution_id FROM executions WHERE end_time IS NOT NULL AND end_time < $before ORDER BY end_time LIMIT $limit;
                INSERT OR IGNORE INTO purge_ids
                    SELECT execution_key, execution_id FROM executions WHERE end_time IS NOT NULL AND $keep >= 0
                    ORDER BY end_time DESC, execution_id DESC LIMIT $limit OFFSET max($keep, 0);
                DELETE FROM events WHERE execution_key IN (SELECT execution_key FROM purge_ids);
                DELETE FROM executions WHERE execution_key IN (SELECT execution_key FROM purge_ids);
                SELECT execution_id FROM purge_ids;
                """;
            command.Parameters.AddWithValue("$before", request.EndedBeforeTicks);
            command.Parameters.AddWithValue("$limit", request.Limit);
            command.Parameters.AddWithValue("$keep", request.KeepAtMost ?? -1);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                purgedIds.Add(reader.GetString(0));
            }
        }

        if (purgedIds.Count > 0)
        {
            using var orphans = _connection.CreateCommand();
            orphans.Transaction = _transaction;
            orphans.CommandText = "DELETE FROM definitions WHERE definition_hash NOT IN (SELECT definition_hash FROM executions)";
            orphans.ExecuteNonQuery();
            foreach (var executionId in purgedIds)
            {
                _cache.Remove(executionId);
            }
        }

        return purgedIds.Count;
    }

    private CachedExecution? GetOrLoad(string executionId)
    {
        if (_cache.TryGetValue(executionId, out var cached))
        {
            return cached;
        }

        Bind(_selectExecution, executionId);
        CachedExecution loaded;
        using (var reader = _selectExecution.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            loaded = new CachedExecution(
                reader.GetInt64(0),
                reader.GetInt64(1),
                new ExecutionIndexFacts(
                    (ExecutionState)reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero)));
        }

        Bind(_selectStepEvents, loaded.Key);
        using (var reader = _selectStepEvents.ExecuteReader())
        {
            while (reader.Read())
            {
                loaded.Facts.ApplyStep(ExecutionEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0)));
            }
        }

        if (_cache.Count >= MaxCachedExecutions)
        {
            _cache.Clear();
        }

        _cache[executionId] = loaded;
        return loaded;
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

            WriteBatch(batch);
            batch.Clear();
        }
    }

    private void WriteBatch(List<WriteRequest> batch)
    {
        var written = 0;
        var events = 0;
        try
        {
            using (var transaction = _connection.BeginTransaction())
            {
                _transaction = transaction;
                foreach (var command in _commands)
                {
                    command.Transaction = transaction;
                }

                foreach (var request in batch)
                {
                    if (request.Write(this))
                    {
                        written++;
                        events += request.EventCount;
                    }
                }

                transaction.Commit();
            }
        }
        catch (Exception exception)
        {
            // Rolled back: the cache may hold facts that were not committed; reload on demand.
            _cache.Clear();
            _finishedInBatch.Clear();
            Log.BatchFailed(_logger, exception, batch.Count);
            Settle([.. batch], SqliteFailures.Translate(exception, _path));
            return;
        }
        finally
        {
            _transaction = null;
        }

        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _writes, written);
        Interlocked.Add(ref _events, events);
        foreach (var executionId in _finishedInBatch)
        {
            if (_cache.TryGetValue(executionId, out var execution) && execution.Facts.IsTerminal)
            {
                _cache.Remove(executionId);
            }
        }

        _finishedInBatch.Clear();
        Settle([.. batch], failure: null);
    }

    /// <summary>
    /// Tells a batch's callers how it ended, in one work item on the thread pool: their continuations run there one
    /// after another, so a batch wakes one thread instead of one per request, and none runs on the writer's thread.
    /// </summary>
    private static void Settle(WriteRequest[] requests, Exception? failure)
        => ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                foreach (var request in state.Requests)
                {
                    if (state.Failure is null)
                    {
                        request.Committed();
                    }
                    else
                    {
                        request.Fail(state.Failure);
                    }
                }
            },
            (Requests: requests, Failure: failure),
            preferLocal: false);

    private SqliteCommand Prepare(string sql, params string[] parameterNames)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static void Bind(SqliteCommand command, params object[] values)
    {
        for (var index = 0; index < values.Length; index++)
        {
            command.Parameters[index].Value = values[index];
        }
    }
}
