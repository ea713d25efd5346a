namespace GrpcWorkflows.Plugins.Ai;

/// <summary>
/// Options of the <c>ai</c> executor, bound from the configuration section <c>Ai</c> (for example the environment
/// variable <c>Ai__Chat__Endpoint</c> or the argument <c>--Ai:Chat:Endpoint=...</c>).
/// </summary>
public sealed class AiOptions
{
    /// <summary>The configuration section: <c>Ai</c>.</summary>
    public const string SectionName = "Ai";

    /// <summary>The chat provider; unset (the default) means the executor has none and runs local tasks only.</summary>
    public ChatProviderOptions Chat { get; set; } = new();

    /// <summary>The local embedding model.</summary>
    public LocalModelOptions Local { get; set; } = new();
}
