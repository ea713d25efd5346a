using System.Text.RegularExpressions;

namespace GrpcWorkflows.Examples.Tests;

/// <summary>The <c>gwf ...</c> command lines of examples/README.md's shell blocks, as a user would type them.</summary>
internal static partial class ReadmeCommands
{
    public static IReadOnlyList<string> All()
    {
        var lines = new List<string>();
        var inShell = false;
        foreach (var raw in File.ReadAllLines(Path.Combine(RepositoryPaths.Examples, "README.md")))
        {
            var line = raw.Trim();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inShell = !inShell && line is "```sh" or "```bash" or "```shell";
                continue;
            }

            if (inShell && line.StartsWith("gwf ", StringComparison.Ordinal) && !lines.Contains(line))
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    /// <summary>The words of a command line after <c>gwf</c> (the README's lines use plain words, no quoting).</summary>
    public static string[] Arguments(string line) => [.. Words().Split(line.Trim()).Skip(1)];

    [GeneratedRegex(@"\s+")]
    private static partial Regex Words();
}
