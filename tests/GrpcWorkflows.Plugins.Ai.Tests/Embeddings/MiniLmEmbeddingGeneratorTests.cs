using System.Diagnostics;
using GrpcWorkflows.Plugins.Ai.Embeddings;
using GrpcWorkflows.Plugins.Ai.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace GrpcWorkflows.Plugins.Ai.Tests.Embeddings;

[Collection(LocalModelDefinition.Name)]
public sealed class MiniLmEmbeddingGeneratorTests(LocalModelFixture model, ITestOutputHelper output)
{
    [Fact]
    public async Task GenerateAsync_Batch_ReturnsOneNormalisedVectorPerTextInOrder()
    {
        string[] texts = ["alpha", "The weather is sunny today.", "alpha"];

        var clock = Stopwatch.StartNew();
        var embeddings = await model.Model.GenerateAsync(texts).DefaultTimeout();
        output.WriteLine($"Model load (fixture): {model.LoadTime.TotalMilliseconds:0} ms; encode of 3 short texts: {clock.Elapsed.TotalMilliseconds:0} ms.");

        Assert.Equal(3, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, e.Dimensions));
        Assert.Equal(1.0, VectorMath.Cosine(embeddings[0].Vector.Span, embeddings[2].Vector.Span), 4);
        Assert.True(VectorMath.Cosine(embeddings[0].Vector.Span, embeddings[1].Vector.Span) < 0.9);
        Assert.Equal(MiniLmEmbeddingGenerator.ModelId, embeddings[0].ModelId);
    }

    [Fact]
    public async Task GenerateAsync_MoreTextsThanOneBatch_MatchesEncodingOneByOne()
    {
        var texts = Enumerable.Range(0, 70).Select(i => $"Sentence number {i} about topic {i % 7}.").ToArray();

        var clock = Stopwatch.StartNew();
        var all = await model.Model.GenerateAsync(texts).DefaultTimeout();
        output.WriteLine($"Encode of 70 sentences in one call (2 ONNX runs of up to 64): {clock.Elapsed.TotalMilliseconds:0} ms.");
        var last = await model.Model.GenerateAsync([texts[^1]]).DefaultTimeout();

        Assert.Equal(70, all.Count);
        Assert.Equal(1.0, VectorMath.Cosine(all[^1].Vector.Span, last[0].Vector.Span), 3);
    }

    [Fact]
    public async Task EnsureLoaded_ConcurrentFirstUse_LoadsTheModelOnce()
    {
        using var fresh = new MiniLmEmbeddingGenerator();
        Assert.False(fresh.IsLoaded);

        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => fresh.GenerateAsync([$"text {i}"])))).DefaultTimeout();
        output.WriteLine($"Fresh load + 4 concurrent first calls: {clock.Elapsed.TotalMilliseconds:0} ms (load {fresh.LoadDuration?.TotalMilliseconds:0} ms).");

        Assert.True(fresh.IsLoaded);
        Assert.All(results, r => Assert.Single(r));
        var loadDuration = fresh.LoadDuration;
        fresh.EnsureLoaded();
        Assert.Equal(loadDuration, fresh.LoadDuration);
    }

    [Fact]
    public void GetService_Metadata_DescribesTheModel()
    {
        var metadata = model.Model.GetService<EmbeddingGeneratorMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal("all-MiniLM-L6-v2", metadata.DefaultModelId);
        Assert.Equal(384, metadata.DefaultModelDimensions);
    }
}
