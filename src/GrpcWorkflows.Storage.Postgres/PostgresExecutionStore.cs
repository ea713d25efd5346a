using Google.Protobuf;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Postgres.Internal;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace GrpcWorkflows.Storage.Postgres;

/// <summary>
/// The <see cref="IExecutionStore"/> on PostgreSQL, for orchestrators that outgrow one SQLite file.
/// Writes from every execution go through one writer that sends everything queued as one batch: one
/// round trip and one commit per group of writes, however many executions they touch. Reads use pooled
/// connections and never wait for the writer.
/// </summary>
/// <remarks>
/// Thread-safe. A completed create or append is committed (durable as the server's
/// <c>synchronous_commit</c> says). Every append is conditional on the execution's stored last sequence,
/// so two writers on one execution cannot both extend its log. Opening creates the schema and applies the
/// migrations it lacks. When the server cannot be reached, calls fail with
/// <see cref="StoreUnavailableException"/> and the next write reconnects; a write whose commit was cut off
/// may or may not have been kept (the next append's sequence check tells). Cancelling a create or append
/// stops the wait, not the write.
/// </remarks>
public sealed partial class PostgresExecutionStore : IExecutionStore, IExecutionLeaseStore, IAsyncDisposable, IDisposable
{
    private const int PurgeChunk = 1000;
    private const int ReadChunkSize = 256;

    // One chunk of the purge in one statement: the oldest finished executions past the age or beyond the
    // count, deleted with their events and with the commands for them nobody carried out (a cancel that
    // arrived as the execution finished). The delete re-checks end_time, so an execution retried meanwhile stays.
    private const string PurgeSql = """
        WITH doomed AS (
            (SELECT execution_id FROM executions WHERE end_time IS NOT NULL AND end_time < $1 ORDER BY end_time LIMIT $2)
            UNION
            (SELECT execution_id FROM executions WHERE end_time IS NOT NULL AND $3 >= 0
             ORDER BY end_time DESC, execution_id DESC OFFSET greatest($3, 0) LIMIT $2)),
        gone AS (
            DELETE FROM executions x USING doomed d
            WHERE x.execution_id = d.execution_id AND x.end_time IS NOT NULL
            RETURNING x.execution_id),
        events_gone AS (
            DELETE FROM events e USING gone g WHERE e.execution_id = g.execution_id),
        commands_gone AS (
            DELETE FROM execution_commands c USING gone g WHERE c.execution_id = g.execution_id)
        SELECT count(*) FROM gone
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresWriter _writer;
    private readonly TimeProvider _timeProvider;
    private readonly string _server;
    private readonly ILogger _logger;
    private int _disposed;

    /// <summary>Connects, creates the schema when missing, applies the migrations and starts the writer.</summary>
    /// <param name="options">Where the database is.</param>
    /// <param name="timeProvider">The clock for events that carry no time; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Where the store (and Npgsql) log; nowhere when null.</param>
    /// <exception cref="InvalidOperationException">The schema has a newer version than this build.</exception>
    /// <exception cref="StoreUnavailableException">The server cannot be reached.</exception>
    public PostgresExecutionStore(PostgresStoreOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Schema);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);

        _timeProvider = timeProvider ?? TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<PostgresExecutionStore>();
        _logger = logger;
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString)
        {
            SearchPath = options.Schema,
        };
        if (builder.MaxAutoPrepare == 0)
        {
            // The writer's and readers' few statements are prepared once per connection.
            builder.MaxAutoPrepare = 16;
        }

        Schema = options.Schema;
        _server = $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).UseLoggerFactory(loggerFactory).Build();
        try
        {
            // Migrations run without the search path so that the schema can be created first.
            using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { SearchPath = null, Pooling = false }.ConnectionString);
            connection.Open();
            SchemaVersion = SchemaMigrations.Apply(connection, options.Schema, logger);
        }
        catch (Exception exception)
        {
            _dataSource.Dispose();
            throw PostgresFailures.Translate(exception, _server);
        }

        _writer = new PostgresWriter(_dataSource, _server, options.MaxBatchSize, _timeProvider, logger);
        Log.StoreOpened(logger, _server, Schema, SchemaVersion);
    }

    /// <summary>The schema holding the tables.</summary>
    public string Schema { get; }

    /// <summary>The schema version after the migrations.</summary>
    public int SchemaVersion { get; }

    /// <summary>The writer's counters so far: group commits, writes, events and round trips.</summary>
    public PostgresStoreStatistics Statistics => _writer.Statistics;

    /// <inheritdoc />
    public ValueTask<CreateExecutionResult> CreateAsync(ExecutionEvent firstEvent, CancellationToken cancellationToken = default)
    {
        var record = ExecutionRecord.OfNewExecution(firstEvent, _timeProvider.GetUtcNow());
        cancellationToken.ThrowIfCancellationRequested();
        var request = new CreateRequest { Record = record, Labels = LabelsJson.Encode(record.Labels), Payload = firstEvent.ToByteArray() };
        _writer.Enqueue(request);
        return new ValueTask<CreateExecutionResult>(request.Task.WaitAsync(cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask AppendAsync(string executionId, IReadOnlyList<ExecutionEvent> events, CancellationToken cancellationToken = default)
    {
        var payloads = StoreChunks.CheckAndSerialize(executionId, events, cancellationToken);
        var request = new AppendRequest { ExecutionId = executionId, Events = events, Payloads = payloads };
        _writer.Enqueue(request);
        return new ValueTask(request.Task.WaitAsync(cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Deletes in chunks of a thousand executions, one statement (one transaction) each, beside the writer.
    /// An execution retried while the purge runs is kept: the delete re-checks that it is still finished.
    /// </remarks>
    public ValueTask<int> PurgeAsync(DateTimeOffset endedBefore, int? keepAtMost, CancellationToken cancellationToken = default) =>
        StoreChunks.PurgeAsync(
            token => RunAsync(async () =>
            {
                using var command = _dataSource.CreateCommand(PurgeSql);
                command.Parameters.Add(new NpgsqlParameter { Value = endedBefore.UtcTicks });
                command.Parameters.Add(new NpgsqlParameter { Value = PurgeChunk });
                command.Parameters.Add(new NpgsqlParameter { Value = keepAtMost ?? -1 });
                return Convert.ToInt32(await command.ExecuteScalarAsync(token).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            }),
            PurgeChunk,
            keepAtMost,
            cancellationToken);

    /// <summary>Writes what is queued, stops the writer and closes the connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        PostgresChangeListener?[] listeners;
        lock (_listenerGate)
        {
            listeners = [_listener, _appendsListener];
            _listener = null;
            _appendsListener = null;
        }

        foreach (var listener in listeners)
        {
            if (listener is not null)
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Writes what is queued, stops the writer and closes the connections.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Runs a read (or the purge), naming a lost server as <see cref="StoreUnavailableException"/>.</summary>
    private async Task<T> RunAsync<T>(Func<Task<T>> operation)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && PostgresFailures.Translate(exception, _server) is StoreUnavailableException unavailable)
        {
            throw unavailable;
        }
    }
}
