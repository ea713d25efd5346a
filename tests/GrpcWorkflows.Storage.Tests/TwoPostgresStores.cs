using GrpcWorkflows.Storage.Postgres;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>Two stores (two writers, two connection pools) on one fresh schema: how two replicas see the database.</summary>
public abstract class TwoPostgresStores(PostgresServerFixture postgres) : IAsyncLifetime
{
    /// <summary>A lease that does not expire during a test.</summary>
    protected static readonly TimeSpan LongLease = TimeSpan.FromMinutes(5);

    private readonly string _schema = PostgresServerFixture.NewSchema();
    private PostgresExecutionStore? _first;
    private PostgresExecutionStore? _second;

    /// <summary>The first replica's store.</summary>
    protected PostgresExecutionStore First => _first!;

    /// <summary>The second replica's store.</summary>
    protected PostgresExecutionStore Second => _second!;

    public virtual Task InitializeAsync()
    {
        _first = Open();
        _second = Open();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_first is not null)
        {
            await _first.DisposeAsync();
        }

        if (_second is not null)
        {
            await _second.DisposeAsync();
        }

        await postgres.DropSchemaAsync(_schema);
    }

    /// <summary>How many rows <paramref name="table"/> of the stores' schema holds.</summary>
    protected async Task<long> CountRowsAsync(string table)
        => Convert.ToInt64(await postgres.ExecuteScalarAsync($"SELECT count(*) FROM \"{_schema}\".{table}"), System.Globalization.CultureInfo.InvariantCulture);

    private PostgresExecutionStore Open() => new(new PostgresStoreOptions { ConnectionString = postgres.ConnectionString, Schema = _schema });
}
