using GrpcWorkflows.Plugins.Ai.Tests.Infrastructure;

namespace GrpcWorkflows.Plugins.Ai.Tests;

/// <summary>Bad inputs fail the step with INVALID_ARGUMENT naming the field; none of these needs the model.</summary>
[Collection(LocalModelDefinition.Name)]
public sealed class InputValidationTests(LocalModelFixture model)
{
    [Theory]
    [InlineData("""{"task": "translate", "text": "hi"}""", "translate")]
    [InlineData("""{"task": "classify", "text": "hi"}""", "input.labels")]
    [InlineData("""{"task": "classify", "text": "hi", "labels": []}""", "input.labels")]
    [InlineData("""{"task": "classify", "text": "hi", "labels": ["a", "a"]}""", "'a' twice")]
    [InlineData("""{"task": "classify", "text": "hi", "labels": ["a"], "lables": ["b"]}""", "input.lables")]
    [InlineData("""{"task": "similarity", "texts": ["only one"]}""", "input.texts")]
    [InlineData("""{"task": "embed", "texts": ["ok", 3]}""", "input.texts[1]")]
    [InlineData("""{"task": "embed", "text": "a", "texts": ["b"]}""", "not both")]
    [InlineData("""{"task": "rank", "query": "q", "items": [{"id": 1}]}""", "input.items[0]")]
    [InlineData("""{"task": "rank", "query": "q", "items": ["a"], "top_k": 0}""", "input.top_k")]
    [InlineData("""{"task": "summarize", "text": "One. Two.", "max_sentences": 1.5}""", "input.max_sentences")]
    [InlineData("""{"task": "analyze", "data": "text"}""", "input.data")]
    [InlineData("""{"task": "chat", "prompt": "hi", "response_format": "xml"}""", "input.response_format")]
    [InlineData("""{"task": "chat", "prompt": "hi", "temperature": 3}""", "input.temperature")]
    [InlineData("""{"task": 5}""", "input.task")]
    public async Task Execute_InvalidInput_IsNonRetryableInvalidArgumentNamingTheProblem(string input, string named)
    {
        var failure = await model.Handler.FailAsync(input);

        Assert.Equal("INVALID_ARGUMENT", failure.Code);
        Assert.False(failure.IsRetryable);
        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_ChatTaskWithoutProvider_IsFailedPreconditionNamingTheSetting()
    {
        var failure = await model.Handler.FailAsync("""{"task": "chat", "prompt": "Write a haiku"}""");

        Assert.Equal("FAILED_PRECONDITION", failure.Code);
        Assert.False(failure.IsRetryable);
        Assert.Contains("Ai:Chat:Endpoint", failure.Message, StringComparison.Ordinal);
    }
}
