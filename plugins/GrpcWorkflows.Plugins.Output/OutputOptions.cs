namespace GrpcWorkflows.Plugins.Output;

/// <summary>Options of the <c>output</c> executor, bound from the configuration section <c>Output</c>.</summary>
public sealed class OutputOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Output";

    /// <summary>The default of <see cref="Root"/>: <c>output</c> under the current directory.</summary>
    public const string DefaultRoot = "output";

    /// <summary>The folder <c>file.path</c> is resolved under (created when missing); paths that leave it are refused.</summary>
    public string Root { get; set; } = DefaultRoot;

    /// <summary>Webhook delivery.</summary>
    public WebhookOptions Webhook { get; set; } = new();
}
