namespace GrpcWorkflows.Engine;

/// <summary>The bounds every workflow definition must respect; each one is configurable.</summary>
public sealed class WorkflowLimits
{
    /// <summary>The default of <see cref="MaxSteps"/>: 10,000.</summary>
    public const int DefaultMaxSteps = 10_000;

    /// <summary>The default of <see cref="MaxEdges"/>: 100,000.</summary>
    public const int DefaultMaxEdges = 100_000;

    /// <summary>The default of <see cref="MaxInputDepth"/>: 32.</summary>
    public const int DefaultMaxInputDepth = 32;

    /// <summary>The default of <see cref="MaxDefinitionBytes"/>: 4 MiB.</summary>
    public const int DefaultMaxDefinitionBytes = 4 * 1024 * 1024;

    /// <summary>The default of <see cref="MaxStepIdLength"/>: 128.</summary>
    public const int DefaultMaxStepIdLength = 128;

    /// <summary>The default of <see cref="MaxPayloadBytes"/>: 4 MiB.</summary>
    public const int DefaultMaxPayloadBytes = 4 * 1024 * 1024;

    /// <summary>The default of <see cref="MaxForEachItems"/>: 10,000.</summary>
    public const int DefaultMaxForEachItems = 10_000;

    /// <summary>The default of <see cref="MaxConcurrency"/>: 10,000.</summary>
    public const int DefaultMaxConcurrency = 10_000;

    /// <summary>The default of <see cref="MaxRateLimit"/>: 1,000,000.</summary>
    public const int DefaultMaxRateLimit = 1_000_000;

    /// <summary>The largest number of steps in one workflow. Default 10,000.</summary>
    public int MaxSteps { get; set; } = DefaultMaxSteps;

    /// <summary>The largest number of dependency edges (<c>depends_on</c> entries) in one workflow. Default 100,000.</summary>
    public int MaxEdges { get; set; } = DefaultMaxEdges;

    /// <summary>The deepest nesting of objects and lists in a step's input or the workflow input. Default 32.</summary>
    public int MaxInputDepth { get; set; } = DefaultMaxInputDepth;

    /// <summary>The largest serialized size of a definition, in bytes. Default 4 MiB.</summary>
    public int MaxDefinitionBytes { get; set; } = DefaultMaxDefinitionBytes;

    /// <summary>The longest step id, in characters. Default 128.</summary>
    public int MaxStepIdLength { get; set; } = DefaultMaxStepIdLength;

    /// <summary>The largest serialized size of a step's input (resolved) or output, and of the workflow input, in bytes. Default 4 MiB.</summary>
    public int MaxPayloadBytes { get; set; } = DefaultMaxPayloadBytes;

    /// <summary>The most items one <c>for_each</c> step fans out over (a longer array fails the step when it may run), and the largest <c>for_each.max_parallel</c>. Default 10,000.</summary>
    public int MaxForEachItems { get; set; } = DefaultMaxForEachItems;

    /// <summary>The largest <c>concurrency.max</c> of a workflow or a step. Default 10,000.</summary>
    public int MaxConcurrency { get; set; } = DefaultMaxConcurrency;

    /// <summary>The largest <c>rate_limit.limit</c> (tokens per period) of a step. Default 1,000,000.</summary>
    public int MaxRateLimit { get; set; } = DefaultMaxRateLimit;
}
