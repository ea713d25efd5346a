using System.Text.Json;
using GrpcWorkflows.Cli.Commands;

namespace GrpcWorkflows.Cli.Embedded;

/// <summary>
/// <c>gwf.executors.json</c>: executors beyond the built-in ones that <c>gwf dev</c> and the embedded
/// <c>gwf run</c> start, each as a command. Found with <c>--executors FILE</c>, else in the current
/// folder or the nearest parent that has one.
/// </summary>
/// <remarks>
/// <code>
/// {"executors": [{"name": "text-stats-node", "step_types": ["text_stats"], "command": "node",
///   "arguments": ["plugins/text-stats-node/src/server.js", "--port", "0", "--orchestrator", "{orchestrator}"],
///   "setup": "npm ci --prefix plugins/text-stats-node"}]}
/// </code>
/// Commands run in the file's folder (or <c>working_directory</c>, relative to it); <c>{orchestrator}</c>
/// in an argument becomes the orchestrator's address. An executor must print
/// <c>Now listening on: URL</c> and register its step types with the orchestrator.
/// </remarks>
internal static class ExecutorsFile
{
    /// <summary>The file name looked for.</summary>
    public const string FileName = "gwf.executors.json";

    /// <summary>The placeholder replaced by the orchestrator's address.</summary>
    public const string OrchestratorPlaceholder = "{orchestrator}";

    /// <summary>The executors of <paramref name="explicitPath"/>, or of the file found from the current folder up; none when there is none.</summary>
    /// <exception cref="UsageException">The file is missing (when named) or not valid; every problem is listed.</exception>
    public static IReadOnlyList<ExternalExecutor> Load(string? explicitPath)
    {
        var path = explicitPath ?? Find(Environment.CurrentDirectory);
        if (path is null)
        {
            return [];
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: no such file (--executors).");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var problems = new List<string>();
        var executors = new List<ExternalExecutor>();
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!document.RootElement.TryGetProperty("executors", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new UsageException($"{path}: expected {{\"executors\": [...]}}.");
            }

            var index = 0;
            foreach (var item in list.EnumerateArray())
            {
                if (Read(item, $"executors[{index++}]", folder, problems) is { } executor)
                {
                    executors.Add(executor);
                }
            }
        }
        catch (JsonException e)
        {
            problems.Add($"line {e.LineNumber + 1}: {e.Message}");
        }

        if (problems.Count > 0)
        {
            throw new UsageException($"{path}: {problems.Count} problem(s):\n  {string.Join("\n  ", problems)}");
        }

        return executors;
    }

    /// <summary>The nearest <see cref="FileName"/> in <paramref name="folder"/> or its parents.</summary>
    public static string? Find(string folder)
    {
        for (var current = new DirectoryInfo(folder); current is not null; current = current.Parent)
        {
            var candidate = Path.Combine(current.FullName, FileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static ExternalExecutor? Read(JsonElement item, string path, string folder, List<string> problems)
    {
        var before = problems.Count;
        string? Text(string name, bool required)
        {
            if (item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
            {
                return text;
            }

            if (required || item.TryGetProperty(name, out _))
            {
                problems.Add($"{path}.{name}: {(required ? "required, " : string.Empty)}a non-empty string");
            }

            return null;
        }

        List<string> Texts(string name, bool required)
        {
            if (!item.TryGetProperty(name, out var value))
            {
                if (required)
                {
                    problems.Add($"{path}.{name}: required, a list of strings");
                }

                return [];
            }

            if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
            {
                problems.Add($"{path}.{name}: a list of strings");
                return [];
            }

            return [.. value.EnumerateArray().Select(v => v.GetString()!)];
        }

        if (item.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: an object with name, step_types, command and arguments");
            return null;
        }

        var name = Text("name", required: true);
        var command = Text("command", required: true);
        var stepTypes = Texts("step_types", required: true);
        var arguments = Texts("arguments", required: false);
        var workingDirectory = Text("working_directory", required: false);
        var setup = Text("setup", required: false);
        if (stepTypes.Count == 0 && problems.Count == before)
        {
            problems.Add($"{path}.step_types: name at least one step type");
        }

        return problems.Count > before
            ? null
            : new ExternalExecutor(name!, stepTypes, command!, arguments, Path.GetFullPath(workingDirectory ?? ".", folder), setup);
    }
}
