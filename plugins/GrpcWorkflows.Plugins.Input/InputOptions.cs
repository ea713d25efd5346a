namespace GrpcWorkflows.Plugins.Input;

/// <summary>Options of the <c>input</c> executor, bound from the configuration section <c>Input</c>.</summary>
public sealed class InputOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Input";

    /// <summary>The default of <see cref="DataRoot"/>: <c>data</c> under the current directory.</summary>
    public const string DefaultDataRoot = "data";

    /// <summary>The default of <see cref="MaxSourceBytes"/>: 16 MiB.</summary>
    public const long DefaultMaxSourceBytes = 16 * 1024 * 1024;

    /// <summary>The folder <c>source.path</c> is resolved under; paths that leave it (also through links) are refused.</summary>
    public string DataRoot { get; set; } = DefaultDataRoot;

    /// <summary>The largest source file read, in bytes; a larger one fails the step with <c>INVALID_ARGUMENT</c>.</summary>
    public long MaxSourceBytes { get; set; } = DefaultMaxSourceBytes;
}
