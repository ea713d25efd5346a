using GrpcWorkflows.Engine.Secrets;

namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>
/// Where <c>{{ secrets.NAME }}</c> references in step inputs resolve, bound from the section
/// <c>Secrets</c>: a file per secret in <see cref="Directory"/> first, then the environment variable
/// <see cref="EnvironmentPrefix"/> + name. Register an <see cref="ISecretProvider"/> before
/// <c>AddGrpcWorkflowsOrchestrator</c> to use another source (a vault) instead.
/// </summary>
public sealed class SecretsOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Secrets";

    /// <summary>A folder holding one file per secret, named as the secret (a Kubernetes or Docker secret mount); null for none.</summary>
    public string? Directory { get; set; }

    /// <summary>The prefix of the environment variables holding secrets; empty to read no variable. Default <c>GWF_SECRET_</c>.</summary>
    public string EnvironmentPrefix { get; set; } = EnvironmentSecretProvider.DefaultPrefix;

    /// <summary>The provider these options describe.</summary>
    public ISecretProvider CreateProvider()
    {
        var providers = new List<ISecretProvider>();
        if (!string.IsNullOrWhiteSpace(Directory))
        {
            providers.Add(new FileSecretProvider(Directory));
        }

        if (!string.IsNullOrEmpty(EnvironmentPrefix))
        {
            providers.Add(new EnvironmentSecretProvider(EnvironmentPrefix));
        }

        return new CompositeSecretProvider(providers);
    }
}
