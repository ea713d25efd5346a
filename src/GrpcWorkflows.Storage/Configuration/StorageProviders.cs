namespace GrpcWorkflows.Storage.Configuration;

/// <summary>The values of <see cref="StorageOptions.Provider"/>.</summary>
public static class StorageProviders
{
    /// <summary>The embedded SQLite store, durable across restarts.</summary>
    public const string Sqlite = "sqlite";

    /// <summary>The PostgreSQL store (<c>Storage:Postgres:ConnectionString</c>), durable and shared by several orchestrators.</summary>
    public const string Postgres = "postgres";

    /// <summary>The in-memory store: nothing survives the process.</summary>
    public const string Memory = "memory";

    /// <summary>Whether <paramref name="configured"/> names <paramref name="provider"/> (case-insensitive, spaces trimmed).</summary>
    public static bool Is(string? configured, string provider) => string.Equals(configured?.Trim(), provider, StringComparison.OrdinalIgnoreCase);
}
