using System.Diagnostics.CodeAnalysis;

namespace GrpcWorkflows.Engine.Secrets;

/// <summary>
/// Secrets from files, one per secret, named as the secret (the layout of Kubernetes and Docker
/// secret mounts): <c>{{ secrets.API_TOKEN }}</c> reads <c>&lt;directory&gt;/API_TOKEN</c>, without
/// its trailing line break. Read at each use, so a rotated file takes effect at the next attempt.
/// </summary>
/// <param name="directory">The folder holding the secret files.</param>
public sealed class FileSecretProvider(string directory) : ISecretProvider
{
    /// <summary>The largest secret file read: 64 KiB.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The folder holding the secret files.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <inheritdoc />
    public bool TryGetSecret(string name, [NotNullWhen(true)] out string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        value = null;
        if (!SecretNames.IsValid(name) || name.StartsWith('.'))
        {
            return false;
        }

        try
        {
            var file = new FileInfo(Path.Combine(Directory, name));
            if (!file.Exists || file.Length > MaxBytes || file.LinkTarget is not null && !IsInside(file.ResolveLinkTarget(returnFinalTarget: true)?.FullName))
            {
                return false;
            }

            value = File.ReadAllText(file.FullName).TrimEnd('\r', '\n');
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // Kubernetes mounts each secret as a link into a hidden folder of the same mount: links are followed only inside it.
    private bool IsInside(string? target) => target is not null && target.StartsWith(Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
