using GrpcWorkflows.Storage.Postgres;
using GrpcWorkflows.Storage.Sqlite;

namespace GrpcWorkflows.Storage.Configuration;

/// <summary>Where executions are stored, bound from the <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section: <c>Storage</c>.</summary>
    public const string SectionName = "Storage";

    /// <summary>The default <see cref="Provider"/>: <see cref="StorageProviders.Sqlite"/>.</summary>
    public const string DefaultProvider = StorageProviders.Sqlite;

    /// <summary>
    /// <see cref="StorageProviders.Sqlite"/> (durable, the default), <see cref="StorageProviders.Postgres"/>
    /// (a PostgreSQL database) or <see cref="StorageProviders.Memory"/> (lost when the process ends; for tests
    /// and benchmarks). Case-insensitive.
    /// </summary>
    public string Provider { get; set; } = DefaultProvider;

    /// <summary>The SQLite store's options (<c>Storage:Sqlite</c>).</summary>
    public SqliteStoreOptions Sqlite { get; set; } = new();

    /// <summary>The PostgreSQL store's options (<c>Storage:Postgres</c>).</summary>
    public PostgresStoreOptions Postgres { get; set; } = new();

    /// <summary>How long finished executions are kept (<c>Storage:Retention</c>).</summary>
    public RetentionOptions Retention { get; set; } = new();
}
