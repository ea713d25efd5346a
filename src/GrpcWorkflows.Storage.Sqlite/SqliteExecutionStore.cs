using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using GrpcWorkflows.Engine.Namespaces;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Sqlite.Internal;
using GrpcWorkflows.V1;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrpcWorkflows.Storage.Sqlite;

/// <summary>
/// The embedded, durable <see cref="IExecutionStore"/>: one SQLite file in WAL mode. Writes from
/// every execution go through one writer that commits them in batches (group commit); a write's
/// task completes once its batch is committed. Reads use their own pooled connections and never
/// wait for the writer.
/// </summary>
/// <remarks>
/// Thread-safe. What a completed write survives depends on <see cref="SqliteStoreOptions.Synchronous"/>
/// (see docs/durability.md). Opening applies the schema migrations the file lacks. One store
/// instance per file, enforced with a lock on <c>FILE.lock</c>: the writer keeps each execution's last
/// sequence in memory, and two orchestrators on one file would run the same executions.
/// Cancelling a create or append stops the wait, not the write: it may still be committed.
/// </remarks>
public sealed partial class SqliteExecutionStore : IExecutionStore, IAsyncDisposable, IDisposable
{
    private const int PurgeChunk = 1000;
    private const int ReadChunkSize = 256;

    // The writer's page cache (16 MiB) and the WAL size that triggers a checkpoint (4,000 pages, ~16 MiB):
    // fewer, larger checkpoints, each one fsync with synchronous=NORMAL.
    private const int WriterCacheKibibytes = 16 * 1024;
    private const int WalAutoCheckpointPages = 4000;

    private readonly SqliteWriter _writer;
    private readonly FileStream _ownership;
    private readonly string _readConnectionString;
    private readonly TimeProvider _timeProvider;
    private int _disposed;

    /// <summary>Opens (creating when missing) the database file, migrates its schema and starts the writer.</summary>
    /// <param name="options">Where the file is and how it syncs.</param>
    /// <param name="timeProvider">The clock for events that carry no time; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Where the store logs; nowhere when null.</param>
    /// <exception cref="InvalidOperationException">The file has a newer schema, could not be put in WAL mode, or is used by another store.</exception>
    /// <exception cref="StoreUnavailableException">The file or its folder is read-only, or the file or its write-ahead log is damaged.</exception>
    public SqliteExecutionStore(SqliteStoreOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BusyTimeout, TimeSpan.Zero);

        _timeProvider = timeProvider ?? TimeProvider.System;
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SqliteExecutionStore>();
        FilePath = Path.GetFullPath(options.Path);
        Synchronous = options.Synchronous;
        var directory = Path.GetDirectoryName(FilePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        StartupChecks.RequireWritable(FilePath);
        _ownership = TakeOwnership(FilePath);
        var timeoutSeconds = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = timeoutSeconds,
        }.ToString());
        try
        {
            StartupChecks.RequireSoundWriteAheadLog(FilePath);
            connection.Open();
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds};"));
            Execute(connection, "PRAGMA temp_store = MEMORY;");
            Execute(connection, $"PRAGMA cache_size = -{WriterCacheKibibytes};");
            Execute(connection, $"PRAGMA wal_autocheckpoint = {WalAutoCheckpointPages};");
            var journalMode = Execute(connection, "PRAGMA journal_mode = WAL;");
            if (!string.Equals(journalMode as string, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite '{FilePath}' could not be put in WAL mode (it reports '{journalMode}').");
            }

            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA synchronous = {(int)options.Synchronous};"));
            StartupChecks.RequireSoundDatabase(connection, FilePath, options.CheckIntegrityAtStart);
            SchemaVersion = SchemaMigrations.Apply(connection, FilePath, logger);
        }
        catch (Exception e) when (StartupChecks.IsDamage(e))
        {
            connection.Dispose();
            _ownership.Dispose();
            throw StartupChecks.Damaged(FilePath, e.Message, e);
        }
        catch
        {
            connection.Dispose();
            _ownership.Dispose();
            throw;
        }

        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = true,
            DefaultTimeout = timeoutSeconds,
        }.ToString();
        _writer = new SqliteWriter(connection, FilePath, options.MaxBatchSize, _timeProvider, logger);
        Log.StoreOpened(logger, FilePath, SchemaVersion, Synchronous);
    }

    /// <summary>The full path of the database file.</summary>
    public string FilePath { get; }

    /// <summary>The schema version of the file after the migrations.</summary>
    public int SchemaVersion { get; }

    /// <summary>The writer's <c>PRAGMA synchronous</c> setting.</summary>
    public SqliteSynchronous Synchronous { get; }

    /// <summary>The writer's counters so far: group commits, writes and events.</summary>
    public SqliteStoreStatistics Statistics => _writer.Statistics;

    /// <inheritdoc />
    public ValueTask<CreateExecutionResult> CreateAsync(ExecutionEvent firstEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(firstEvent);
        StoreArguments.CheckFirstEvent(firstEvent);
        cancellationToken.ThrowIfCancellationRequested();

        var submitted = firstEvent.Submitted;
        var definition = submitted.Definition?.ToByteArray() ?? [];

        // The definition is stored once per distinct content (definitions table) and joined back on read.
        // Every other field of ExecutionSubmitted must be copied here.
        var withoutDefinition = new ExecutionEvent
        {
            ExecutionId = firstEvent.ExecutionId,
            Sequence = firstEvent.Sequence,
            Time = firstEvent.Time,
            Submitted = new ExecutionSubmitted
            {
                Input = submitted.Input,
                IdempotencyKey = submitted.IdempotencyKey,
                Labels = { submitted.Labels },
                Namespace = submitted.Namespace,
                WorkflowVersion = submitted.WorkflowVersion,
                ParentExecutionId = submitted.ParentExecutionId,
                ParentStepId = submitted.ParentStepId,
                Depth = submitted.Depth,
            },
        };

        var request = new CreateRequest
        {
            ExecutionId = firstEvent.ExecutionId,
            WorkflowId = submitted.Definition?.Id ?? string.Empty,
            Namespace = ExecutionNamespace.OrDefault(submitted.Namespace),
            CreateTimeTicks = (firstEvent.Time?.ToDateTimeOffset() ?? _timeProvider.GetUtcNow()).UtcTicks,
            IdempotencyKey = string.IsNullOrEmpty(submitted.IdempotencyKey) ? null : submitted.IdempotencyKey,
            StepCount = submitted.Definition?.Steps.Count ?? 0,
            Labels = LabelsColumn.Encode(submitted),
            DefinitionHash = SHA256.HashData(definition),
            Definition = definition,
            EventPayload = withoutDefinition.ToByteArray(),
        };
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
    /// <remarks>Deletes in chunks of a thousand executions, one transaction each, so appends keep flowing.</remarks>
    public ValueTask<int> PurgeAsync(DateTimeOffset endedBefore, int? keepAtMost, CancellationToken cancellationToken = default) =>
        StoreChunks.PurgeAsync(
            _ =>
            {
                var request = new PurgeRequest { EndedBeforeTicks = endedBefore.UtcTicks, KeepAtMost = keepAtMost, Limit = PurgeChunk };
                _writer.Enqueue(request);
                return request.Task;
            },
            PurgeChunk,
            keepAtMost,
            cancellationToken);

    /// <summary>
    /// Writes what is queued, stops the writer, checkpoints the write-ahead log into the database file
    /// (<c>wal_checkpoint(TRUNCATE)</c>: afterwards the file alone holds everything) and closes it.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var pooled = new SqliteConnection(_readConnectionString))
        {
            SqliteConnection.ClearPool(pooled);
        }

        await _writer.DisposeAsync().ConfigureAwait(false);

        await _ownership.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Writes what is queued, stops the writer and closes the file.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Holds an exclusive lock on <c>FILE.lock</c> while the store is open: one writer per file, so two
    /// orchestrators can never run the same executions. The operating system releases it when the
    /// process dies, however it dies.
    /// </summary>
    private static FileStream TakeOwnership(string path)
    {
        try
        {
            return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception)
        {
            throw new InvalidOperationException(
                $"SQLite '{path}' is in use by another execution store (another orchestrator?): {exception.Message} One orchestrator per database file: stop the other one, or set Storage:Sqlite:Path to another file.",
                exception);
        }
    }

    private static object? Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

}
