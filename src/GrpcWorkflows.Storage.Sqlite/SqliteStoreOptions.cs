namespace GrpcWorkflows.Storage.Sqlite;

/// <summary>Options of <see cref="SqliteExecutionStore"/>, bound from <c>Storage:Sqlite</c>.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The default <see cref="Path"/>: <c>.data/grpcworkflows.db</c>, relative to the current directory.</summary>
    public const string DefaultPath = ".data/grpcworkflows.db";

    /// <summary>The default <see cref="Synchronous"/>: <see cref="SqliteSynchronous.Normal"/>.</summary>
    public const SqliteSynchronous DefaultSynchronous = SqliteSynchronous.Normal;

    /// <summary>The default <see cref="BusyTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="MaxBatchSize"/>: 1,024 writes per transaction.</summary>
    public const int DefaultMaxBatchSize = 1024;

    /// <summary>
    /// The database file. A relative path is resolved against the current directory; its folder is
    /// created when missing. Default: <see cref="DefaultPath"/>.
    /// </summary>
    public string Path { get; set; } = DefaultPath;

    /// <summary>
    /// The <c>PRAGMA synchronous</c> of the writer: what a committed append survives
    /// (see <see cref="SqliteSynchronous"/>). Default: <see cref="DefaultSynchronous"/>.
    /// </summary>
    public SqliteSynchronous Synchronous { get; set; } = DefaultSynchronous;

    /// <summary>
    /// How long a connection waits for a lock held by another connection (<c>PRAGMA busy_timeout</c>)
    /// before failing. Default: <see cref="DefaultBusyTimeout"/>.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = DefaultBusyTimeout;

    /// <summary>
    /// The largest number of creates and appends written in one transaction (one group commit).
    /// Default: <see cref="DefaultMaxBatchSize"/>.
    /// </summary>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>
    /// Whether opening runs <c>PRAGMA quick_check</c> over the database file and refuses to start on
    /// damage. It reads the whole file once (about 5 s per GiB on a 2-core test machine with the file cached). The write-ahead log is
    /// always checked. Default: true.
    /// </summary>
    public bool CheckIntegrityAtStart { get; set; } = true;
}
