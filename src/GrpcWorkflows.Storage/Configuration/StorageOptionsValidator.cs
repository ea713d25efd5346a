using GrpcWorkflows.Storage.Postgres;
using GrpcWorkflows.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Storage.Configuration;

/// <summary>Checks <see cref="StorageOptions"/> at start, with messages that say what to change.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (!StorageProviders.Is(options.Provider, StorageProviders.Sqlite)
            && !StorageProviders.Is(options.Provider, StorageProviders.Postgres)
            && !StorageProviders.Is(options.Provider, StorageProviders.Memory))
        {
            failures.Add($"Storage:Provider is '{options.Provider}'; set it to '{StorageProviders.Sqlite}' (durable, the default), '{StorageProviders.Postgres}' (with Storage:Postgres:ConnectionString) or '{StorageProviders.Memory}'.");
        }

        if (StorageProviders.Is(options.Provider, StorageProviders.Postgres))
        {
            ValidatePostgres(options.Postgres, failures);
        }

        if (string.IsNullOrWhiteSpace(options.Sqlite.Path))
        {
            failures.Add($"Storage:Sqlite:Path is empty; set it to the database file, for example '{SqliteStoreOptions.DefaultPath}'.");
        }

        if (options.Sqlite.MaxBatchSize < 1)
        {
            failures.Add($"Storage:Sqlite:MaxBatchSize is {options.Sqlite.MaxBatchSize}; set it to 1 or more (default {SqliteStoreOptions.DefaultMaxBatchSize}).");
        }

        if (options.Sqlite.BusyTimeout < TimeSpan.Zero)
        {
            failures.Add($"Storage:Sqlite:BusyTimeout is negative; set it to zero or more (default {SqliteStoreOptions.DefaultBusyTimeout}).");
        }

        if (!Enum.IsDefined(options.Sqlite.Synchronous))
        {
            failures.Add("Storage:Sqlite:Synchronous must be Off, Normal, Full or Extra.");
        }

        if (options.Retention.MaxAge is { } maxAge && maxAge <= TimeSpan.Zero)
        {
            failures.Add($"Storage:Retention:MaxAge is {maxAge}; set a positive duration such as '7.00:00:00', or leave it empty to keep executions whatever their age.");
        }

        if (options.Retention.MaxCount is < 0)
        {
            failures.Add($"Storage:Retention:MaxCount is {options.Retention.MaxCount}; set it to zero or more, or leave it empty to keep any number.");
        }

        if (options.Retention.Interval <= TimeSpan.Zero)
        {
            failures.Add($"Storage:Retention:Interval is {options.Retention.Interval}; set a positive duration such as '00:01:00'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidatePostgres(PostgresStoreOptions postgres, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(postgres.ConnectionString))
        {
            failures.Add("Storage:Postgres:ConnectionString is empty; set it to the database, for example 'Host=127.0.0.1;Port=5432;Username=grpcworkflows;Password=...;Database=grpcworkflows' (gwf dev --storage postgres starts a throwaway server by itself).");
        }
        else
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(postgres.ConnectionString);
            }
            catch (ArgumentException e)
            {
                failures.Add($"Storage:Postgres:ConnectionString is not a valid Npgsql connection string ({e.Message}); write it as 'Host=...;Port=...;Username=...;Password=...;Database=...'.");
            }
        }

        if (string.IsNullOrWhiteSpace(postgres.Schema))
        {
            failures.Add($"Storage:Postgres:Schema is empty; set it to a schema name, for example '{PostgresStoreOptions.DefaultSchema}'.");
        }
        else if (System.Text.Encoding.UTF8.GetByteCount(postgres.Schema) > PostgresStoreOptions.MaxSchemaLength)
        {
            failures.Add($"Storage:Postgres:Schema '{postgres.Schema}' is longer than {PostgresStoreOptions.MaxSchemaLength} bytes; PostgreSQL names (the schema's notification channels among them) are at most 63 bytes: choose a shorter name.");
        }

        if (postgres.MaxBatchSize < 1)
        {
            failures.Add($"Storage:Postgres:MaxBatchSize is {postgres.MaxBatchSize}; set it to 1 or more (default {PostgresStoreOptions.DefaultMaxBatchSize}).");
        }
    }
}
