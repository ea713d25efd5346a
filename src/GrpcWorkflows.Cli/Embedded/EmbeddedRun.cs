using System.Diagnostics;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Embedded;

/// <summary>
/// Starts the embedded orchestrator of a <c>gwf run</c> that found no orchestrator, saying so on stderr:
/// the built-in executors, the executors of <c>gwf.executors.json</c> that serve a step type the
/// definition uses, <c>input</c> reading files under the definition's folder.
/// </summary>
internal static class EmbeddedRun
{
    /// <summary>The environment variable that gives the embedded <c>ai</c> executor its chat provider.</summary>
    public const string ChatEndpointVariable = "Ai__Chat__Endpoint";

    public static async Task<LocalCluster> StartAsync(Uri missingAddress, string definitionFile, WorkflowDefinition definition, string? executorsFile, CancellationToken cancellationToken)
    {
        var used = definition.Steps.Values.Select(s => s.Type).ToHashSet(StringComparer.Ordinal);
        var external = ExecutorsFile.Load(executorsFile).Where(e => e.StepTypes.Any(used.Contains)).ToList();
        var dataRoot = Path.GetDirectoryName(Path.GetFullPath(definitionFile))!;
        var names = string.Concat(external.Select(e => $", {e.Name}"));
        Console.Error.WriteLine($"gwf: no orchestrator at {missingAddress.GetLeftPart(UriPartial.Authority)}; starting an embedded one (memory storage) with the built-in executors{names} for this run; input files are read under {dataRoot}...");
        var clock = Stopwatch.StartNew();
        var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { ExternalExecutors = external, InputDataRoot = dataRoot }, cancellationToken);
        Console.Error.WriteLine($"gwf: embedded orchestrator at {cluster.OrchestratorAddress.GetLeftPart(UriPartial.Authority)} ready in {clock.Elapsed.TotalSeconds:0.0}s.");
        return cluster;
    }

    /// <summary>
    /// Why the embedded executors cannot run <paramref name="definition"/>: an <c>ai</c> step asks for
    /// <c>task: chat</c> and no chat endpoint is set in the environment; null when they can.
    /// </summary>
    public static string? MissingChatEndpoint(WorkflowDefinition definition)
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ChatEndpointVariable)))
        {
            return null;
        }

        var chat = definition.Steps
            .Where(s => s.Value.Type == "ai" && s.Value.Input?.Fields.TryGetValue("task", out var task) == true && task.StringValue == "chat")
            .Select(s => s.Key)
            .Order(StringComparer.Ordinal)
            .ToList();
        return chat.Count == 0
            ? null
            : $"step {string.Join(", ", chat)} needs a chat provider (ai task 'chat') and none is set: export {ChatEndpointVariable}=https://... (any OpenAI-compatible endpoint; Ai__Chat__Model and Ai__Chat__ApiKey as it needs) and run again.";
    }
}
