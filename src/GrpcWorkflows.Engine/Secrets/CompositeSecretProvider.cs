using System.Diagnostics.CodeAnalysis;

namespace GrpcWorkflows.Engine.Secrets;

/// <summary>Asks several providers in order; the first that has the secret answers.</summary>
/// <param name="providers">The providers, first asked first.</param>
public sealed class CompositeSecretProvider(params IReadOnlyList<ISecretProvider> providers) : ISecretProvider
{
    /// <inheritdoc />
    public bool TryGetSecret(string name, [NotNullWhen(true)] out string? value)
    {
        foreach (var provider in providers)
        {
            if (provider.TryGetSecret(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }
}
