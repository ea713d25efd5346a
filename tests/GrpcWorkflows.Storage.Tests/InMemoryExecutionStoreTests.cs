using GrpcWorkflows.Engine.Storage;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>The store contract, run against <see cref="InMemoryExecutionStore"/>.</summary>
public sealed class InMemoryExecutionStoreTests : ExecutionStoreContractTests
{
    protected override Task<IExecutionStore> CreateStoreAsync() => Task.FromResult<IExecutionStore>(new InMemoryExecutionStore(TimeProvider.System));
}
