using System.Diagnostics.CodeAnalysis;

namespace GrpcWorkflows.Engine.Secrets;

/// <summary>Secrets from environment variables: <c>{{ secrets.API_TOKEN }}</c> reads <c>GWF_SECRET_API_TOKEN</c> (the prefix is configurable).</summary>
/// <param name="prefix">The prefix of the variables; <see cref="DefaultPrefix"/> by default.</param>
public sealed class EnvironmentSecretProvider(string prefix = EnvironmentSecretProvider.DefaultPrefix) : ISecretProvider
{
    /// <summary>The default prefix: <c>GWF_SECRET_</c>.</summary>
    public const string DefaultPrefix = "GWF_SECRET_";

    /// <inheritdoc />
    public bool TryGetSecret(string name, [NotNullWhen(true)] out string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        value = SecretNames.IsValid(name) ? Environment.GetEnvironmentVariable(prefix + name) : null;
        return value is not null;
    }
}
