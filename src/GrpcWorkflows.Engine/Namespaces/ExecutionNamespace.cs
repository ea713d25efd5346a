namespace GrpcWorkflows.Engine.Namespaces;

/// <summary>
/// Namespaces: every execution belongs to one (<see cref="Default"/> when none is given). A
/// credential is scoped to some of them; a listing never crosses them; idempotency keys are
/// unique within one.
/// </summary>
public static class ExecutionNamespace
{
    /// <summary>The namespace of an execution submitted without one, and of executions stored before namespaces existed.</summary>
    public const string Default = "default";

    /// <summary>The wildcard a credential's scope uses for "every namespace".</summary>
    public const string All = "*";

    /// <summary>The longest namespace name.</summary>
    public const int MaxLength = 63;

    /// <summary><paramref name="name"/>, or <see cref="Default"/> when it is null or empty.</summary>
    public static string OrDefault(string? name) => string.IsNullOrEmpty(name) ? Default : name;

    /// <summary>
    /// What is wrong with <paramref name="name"/> as a namespace, or null when it is valid: 1 to
    /// <see cref="MaxLength"/> lower-case ASCII letters, digits, <c>-</c>, <c>_</c> and <c>.</c>,
    /// starting with a letter or a digit.
    /// </summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > MaxLength)
        {
            return $"must be 1 to {MaxLength} characters, not {name.Length}.";
        }

        if (!char.IsAsciiLetterLower(name[0]) && !char.IsAsciiDigit(name[0]))
        {
            return "must start with a lower-case letter or a digit.";
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not ('-' or '_' or '.'))
            {
                return "may hold only lower-case letters, digits, '-', '_' and '.' (for example team-a).";
            }
        }

        return null;
    }
}
