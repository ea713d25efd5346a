using System.Diagnostics;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Ai.Embeddings;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcWorkflows.Plugins.Ai.Tests.Infrastructure;

/// <summary>The real MiniLM model, loaded once for every test class of the <see cref="LocalModelDefinition"/>.</summary>
public sealed class LocalModelFixture : IDisposable
{
    private readonly ServiceProvider _services;

    public LocalModelFixture()
    {
        _services = AiServices.Build();
        Model = _services.GetRequiredService<MiniLmEmbeddingGenerator>();
        var clock = Stopwatch.StartNew();
        Model.EnsureLoaded();
        LoadTime = clock.Elapsed;
        Handler = _services.Handler();
    }

    public MiniLmEmbeddingGenerator Model { get; }

    /// <summary>The <c>ai</c> step handler with no chat provider configured.</summary>
    public IStepHandler Handler { get; }

    public TimeSpan LoadTime { get; }

    public void Dispose() => _services.Dispose();
}

[CollectionDefinition(Name)]
public sealed class LocalModelDefinition : ICollectionFixture<LocalModelFixture>
{
    public const string Name = "Local model";
}
