namespace GrpcWorkflows.Storage.Postgres;

/// <summary>Options of <see cref="PostgresExecutionStore"/>, bound from <c>Storage:Postgres</c>.</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>The default <see cref="Schema"/>: <c>grpcworkflows</c>.</summary>
    public const string DefaultSchema = "grpcworkflows";

    /// <summary>The longest <see cref="Schema"/> in UTF-8 bytes: PostgreSQL's 63-byte names, less the prefix of its notification channels.</summary>
    public const int MaxSchemaLength = 57;

    /// <summary>The default <see cref="MaxBatchSize"/>: 1,024 writes per transaction.</summary>
    public const int DefaultMaxBatchSize = 1024;

    /// <summary>
    /// The Npgsql connection string of the database, for example
    /// <c>Host=127.0.0.1;Port=5432;Username=grpcworkflows;Password=...;Database=grpcworkflows</c>.
    /// Required. Its <c>Search Path</c>, if any, is replaced by <see cref="Schema"/>.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The schema holding the store's tables; created when missing. Several stores (for example
    /// separate environments) can share one database with different schemas. Default: <see cref="DefaultSchema"/>.
    /// </summary>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>
    /// The largest number of creates and appends written in one transaction (one group commit, one round
    /// trip). Default: <see cref="DefaultMaxBatchSize"/>.
    /// </summary>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;
}
