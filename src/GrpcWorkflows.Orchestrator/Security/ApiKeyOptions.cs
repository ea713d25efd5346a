namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>One API key: its name, its role and the SHA-256 of the key (never the key itself).</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The key's name, shown in logs (for example <c>ci</c> or <c>alice</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>The key's role: <c>viewer</c>, <c>operator</c>, <c>admin</c> or <c>executor</c>.</summary>
    public string Role { get; set; } = "";

    /// <summary>The namespaces the key covers; <c>*</c> for all. Empty: <c>default</c> only.</summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>For an <c>executor</c> key, the step types it may register; <c>*</c> for all. Empty: none.</summary>
    public List<string> StepTypes { get; set; } = [];

    /// <summary>The SHA-256 of the key's UTF-8 text, as 64 hexadecimal digits (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string Sha256 { get; set; } = "";
}
