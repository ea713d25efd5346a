using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Postgres;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>The store contract, run against <see cref="PostgresExecutionStore"/> on a real server (a schema per test).</summary>
[Collection(PostgresServerGroup.Name)]
public sealed class PostgresExecutionStoreContractTests(PostgresServerFixture postgres) : ExecutionStoreContractTests
{
    private readonly string _schema = PostgresServerFixture.NewSchema();

    protected override Task<IExecutionStore> CreateStoreAsync() =>
        Task.FromResult<IExecutionStore>(new PostgresExecutionStore(new PostgresStoreOptions { ConnectionString = postgres.ConnectionString, Schema = _schema }));

    protected override async Task DisposeStoreAsync(IExecutionStore store)
    {
        await base.DisposeStoreAsync(store);
        await postgres.DropSchemaAsync(_schema);
    }
}
