namespace GrpcWorkflows.Executor.Files;

/// <summary>
/// Resolves a relative path a step asks for under a root folder the operator configured, refusing any path that ends
/// up outside it: <c>..</c> segments, absolute paths, and symbolic links (in the path or in the root) are resolved
/// before the check.
/// </summary>
/// <remarks>
/// The check is made when the path is resolved; a link created inside the root between the check and the use is not
/// caught. Keep the root writable only by the executor.
/// </remarks>
public static class ConfinedPath
{
    private const int MaxLinkHops = 40;

    /// <summary>Resolves <paramref name="relativePath"/> under <paramref name="root"/>.</summary>
    /// <param name="root">The root folder (relative paths are taken from the current directory).</param>
    /// <param name="relativePath">The path the step asked for, relative to the root.</param>
    /// <param name="field">The input field that named the path, for the error message (for example <c>source.path</c>).</param>
    /// <returns>The full, link-free path inside the root.</returns>
    /// <exception cref="StepFailedException">Code <c>INVALID_ARGUMENT</c>: the path is empty, absolute or escapes the root.</exception>
    public static string Resolve(string root, string relativePath, string field = "path")
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (string.IsNullOrWhiteSpace(relativePath))
        {
            throw StepFailedException.InvalidInput($"{field}: a path is required.");
        }

        if (Path.IsPathRooted(relativePath) || relativePath.Contains('\0', StringComparison.Ordinal))
        {
            throw StepFailedException.InvalidInput($"{field}: '{relativePath}' must be a path relative to the configured root.");
        }

        var realRoot = RealPath(Path.GetFullPath(root));
        var candidate = RealPath(Path.GetFullPath(Path.Combine(realRoot, relativePath)));
        if (!IsInside(realRoot, candidate))
        {
            throw StepFailedException.InvalidInput($"{field}: '{relativePath}' resolves outside the configured root; only paths under it are allowed.");
        }

        return candidate;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> itself or inside it (both full, link-free).</summary>
    /// <param name="root">The root.</param>
    /// <param name="path">The path.</param>
    /// <returns>True when inside.</returns>
    public static bool IsInside(string root, string path)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var trimmedRoot = Path.TrimEndingDirectorySeparator(root);
        return string.Equals(trimmedRoot, Path.TrimEndingDirectorySeparator(path), comparison)
            || path.StartsWith(trimmedRoot + Path.DirectorySeparatorChar, comparison);
    }

    /// <summary>The path with every symbolic link in it resolved, like POSIX <c>realpath</c>; missing tail segments are kept as they are.</summary>
    /// <param name="fullPath">A full path.</param>
    /// <returns>The resolved full path.</returns>
    public static string RealPath(string fullPath)
    {
        var hops = 0;
        var pending = new Stack<string>();
        PushReversed(pending, SplitSegments(fullPath));
        var current = Path.GetPathRoot(fullPath) ?? Path.DirectorySeparatorChar.ToString();
        while (pending.Count > 0)
        {
            var segment = pending.Pop();
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, segment);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is { } target)
            {
                if (++hops > MaxLinkHops)
                {
                    throw StepFailedException.InvalidInput($"'{fullPath}' has too many levels of symbolic links.");
                }

                // Re-walk the link target's segments from the right place.
                var resolved = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
                PushReversed(pending, SplitSegments(Path.GetFullPath(resolved)));

                current = Path.GetPathRoot(Path.GetFullPath(resolved)) ?? current;
                continue;
            }

            current = next;
        }

        return current;
    }

    private static void PushReversed(Stack<string> stack, string[] segments)
    {
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            stack.Push(segments[i]);
        }
    }

    private static string[] SplitSegments(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? string.Empty;
        return fullPath[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
    }
}
