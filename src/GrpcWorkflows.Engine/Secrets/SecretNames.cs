namespace GrpcWorkflows.Engine.Secrets;

/// <summary>What a secret name may be: 1 to 128 ASCII letters, digits, <c>_</c>, <c>-</c> and <c>.</c>.</summary>
public static class SecretNames
{
    /// <summary>The longest secret name.</summary>
    public const int MaxLength = 128;

    /// <summary>Whether <paramref name="name"/> is a valid secret name.</summary>
    public static bool IsValid(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length is > 0 and <= MaxLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') && !name.Contains("..", StringComparison.Ordinal);
    }
}
