using System.Text.Json.Nodes;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>One task of the <c>ai</c> step (<c>input.task</c>).</summary>
internal interface IAiTask
{
    /// <summary>The task's name, as given in <c>input.task</c>.</summary>
    string Name { get; }

    /// <summary>The input fields the task takes (besides <c>task</c>); any other field is an error.</summary>
    IReadOnlyCollection<string> Inputs { get; }

    /// <summary>Runs the task and returns the step's output.</summary>
    ValueTask<JsonObject> RunAsync(AiTaskRequest request, CancellationToken cancellationToken);
}
