namespace GrpcWorkflows.Storage.Sqlite.Configuration;

/// <summary>The values of <see cref="StorageOptions.Provider"/>.</summary>
public static class StorageProviders
{
    /// <summary>The embedded SQLite store, durable across restarts.</summary>
    public const string Sqlite = "sqlite";

    /// <summary>The in-memory store: nothing survives the process.</summary>
    public const string Memory = "memory";
}
