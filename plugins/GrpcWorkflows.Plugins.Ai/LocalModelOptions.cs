namespace GrpcWorkflows.Plugins.Ai;

/// <summary>The local embedding model (all-MiniLM-L6-v2 on ONNX Runtime), section <c>Ai:Local</c>.</summary>
public sealed class LocalModelOptions
{
    /// <summary>The default of <see cref="MaxBatchSize"/>: 64 texts per ONNX Runtime run.</summary>
    public const int DefaultMaxBatchSize = 64;

    /// <summary>The default of <see cref="WarmUpOnStart"/>: true.</summary>
    public const bool DefaultWarmUpOnStart = true;

    /// <summary>The most texts encoded by one ONNX Runtime run; larger requests are encoded in several runs.</summary>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>Whether to load the model in the background as soon as the executor starts (about a second).</summary>
    public bool WarmUpOnStart { get; set; } = DefaultWarmUpOnStart;
}
