namespace GrpcWorkflows.Examples.Tests;

/// <summary>The product with no chat provider: the ai executor runs on the local MiniLM model, as on a fresh machine.</summary>
public sealed class LocalStackFixture : IAsyncLifetime
{
    internal ProductStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await ProductStack.StartAsync();

    public async Task DisposeAsync()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
    }
}
