using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Examples.Tests;

/// <summary>The product with the ai executor's chat provider pointed at an OpenAI wire-format double on a real socket.</summary>
public sealed class ChatStackFixture : IAsyncLifetime
{
    internal OpenAiWireDouble Provider { get; private set; } = null!;

    internal ProductStack Stack { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider = await OpenAiWireDouble.StartAsync();
        Stack = await ProductStack.StartAsync(Provider.Endpoint);
    }

    public async Task DisposeAsync()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }

        if (Provider is not null)
        {
            await Provider.DisposeAsync();
        }
    }
}
