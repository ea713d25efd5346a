using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Ai.Chat;
using GrpcWorkflows.Plugins.Ai.Internal;
using GrpcWorkflows.Plugins.Ai.Tasks;

namespace GrpcWorkflows.Plugins.Ai;

/// <summary>
/// The <c>ai</c> step: picks the task from <c>input.task</c> and runs it. Without <c>task</c>, a step with a
/// <c>prompt</c> runs <c>chat</c> when a chat provider is configured, and otherwise the local <c>analyze</c> over the
/// upstream data, saying so in its output (<c>provider: "local"</c>, <c>note</c>); a step with neither runs
/// <c>analyze</c>. Unknown tasks and unknown input fields are <c>INVALID_ARGUMENT</c>.
/// </summary>
internal sealed class AiStepHandler : IStepHandler
{
    /// <summary>The step type served.</summary>
    public const string StepType = "ai";

    /// <summary>The note added to the output when a prompt ran the local <c>analyze</c> task.</summary>
    public const string FallbackNote =
        "No chat provider is configured (set " + ChatProviderOptions.EndpointKey + "), so the prompt was not sent to a model: "
        + "the local 'analyze' task profiled the upstream data instead.";

    private readonly Dictionary<string, IAiTask> _tasks;
    private readonly ChatClientSource _chat;
    private readonly ILogger _logger;

    public AiStepHandler(IEnumerable<IAiTask> tasks, ChatClientSource chat, ILogger<AiStepHandler> logger)
    {
        _tasks = tasks.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _chat = chat;
        _logger = logger;
    }

    public async ValueTask<Struct> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var json = context.InputJson();
        var input = new InputReader(json);
        var name = input.OptionalString("task");
        var fallback = false;
        if (name is null)
        {
            var hasPrompt = input.Has("prompt");
            name = hasPrompt && _chat.IsConfigured ? AiTaskNames.Chat : AiTaskNames.Analyze;
            fallback = hasPrompt && !_chat.IsConfigured;
        }

        if (!_tasks.TryGetValue(name, out var task))
        {
            throw StepFailedException.InvalidInput(
                $"Unknown ai task '{name}' in input.task; the tasks are: {string.Join(", ", _tasks.Keys.Order(StringComparer.Ordinal))}.");
        }

        json.Remove("task");
        var ignored = new List<string>();
        if (fallback)
        {
            Log.PromptFallback(_logger, context.StepId, context.ExecutionId);
            foreach (var field in ChatTask.ChatOnlyInputs.Where(json.ContainsKey))
            {
                json.Remove(field);
                ignored.Add(field);
            }
        }

        input.RejectUnknown(name, task.Inputs);
        JsonObject output;
        try
        {
            output = await task.RunAsync(new AiTaskRequest(context, input), cancellationToken);
        }
        catch (StepFailedException failure) when (task is ChatTask && failure.Code != StepFailedException.InvalidArgumentCode)
        {
            Log.ChatFailed(_logger, context.StepId, context.ExecutionId, failure.Code, failure.IsRetryable);
            throw;
        }

        if (fallback)
        {
            output["note"] = ignored.Count == 0
                ? FallbackNote
                : FallbackNote + $" Ignored chat-only inputs: {string.Join(", ", ignored)}.";
        }

        return StructJson.ToStruct(output);
    }
}
