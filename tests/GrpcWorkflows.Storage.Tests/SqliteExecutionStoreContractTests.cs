using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Sqlite;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>The store contract, run against <see cref="SqliteExecutionStore"/> on a real file.</summary>
public sealed class SqliteExecutionStoreContractTests : ExecutionStoreContractTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-store-").FullName;

    protected override Task<IExecutionStore> CreateStoreAsync() =>
        Task.FromResult<IExecutionStore>(new SqliteExecutionStore(new SqliteStoreOptions { Path = Path.Combine(_folder, "store.db") }));

    protected override async Task DisposeStoreAsync(IExecutionStore store)
    {
        await base.DisposeStoreAsync(store);
        Directory.Delete(_folder, recursive: true);
    }
}
