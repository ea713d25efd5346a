using System.ClientModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Ai.Chat;
using Microsoft.Extensions.AI;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>
/// <c>chat</c>: a prompt answered by the configured OpenAI-compatible provider. Input <c>prompt</c> (already
/// template-resolved by the orchestrator), optional <c>system</c>, <c>model</c> (default <c>Ai:Chat:Model</c>),
/// <c>temperature</c> (0–2), <c>max_tokens</c>, <c>response_format</c> (<c>text</c>, the default, or <c>json</c>) and
/// <c>include_upstream</c> (append the dependencies' outputs, as JSON keyed by step id, to the prompt). Output:
/// <c>text</c> (or <c>json</c>, the parsed answer, for <c>response_format: json</c>), <c>model</c> (as the provider
/// reports it), <c>finish_reason</c> and <c>usage</c> (<c>input_tokens</c>, <c>output_tokens</c>, <c>total_tokens</c>).
/// </summary>
internal sealed class ChatTask(ChatClientSource chat, TimeProvider timeProvider) : IAiTask
{
    /// <summary>The value of <c>provider</c> in the output.</summary>
    public const string Provider = "chat";

    /// <summary>The chat-only inputs, ignored (and reported) when a prompt falls back to the local <c>analyze</c>.</summary>
    public static readonly IReadOnlyCollection<string> ChatOnlyInputs = ["system", "model", "temperature", "max_tokens", "response_format", "include_upstream"];

    public string Name => AiTaskNames.Chat;

    public IReadOnlyCollection<string> Inputs { get; } = ["prompt", .. ChatOnlyInputs];

    public async ValueTask<JsonObject> RunAsync(AiTaskRequest request, CancellationToken cancellationToken)
    {
        var input = request.Input;
        var prompt = input.RequiredString("prompt", Name);
        var system = input.OptionalString("system");
        var temperature = input.OptionalDouble("temperature", 0, 2);
        var maxTokens = input.Has("max_tokens") ? input.OptionalInt("max_tokens", 0, 1, 1_000_000) : (int?)null;
        var json = (input.OptionalString("response_format") ?? "text") switch
        {
            "text" => false,
            "json" => true,
            var other => throw StepFailedException.InvalidInput($"input.response_format must be \"text\" or \"json\", not \"{other}\"."),
        };
        var includeUpstream = input.OptionalBool("include_upstream", false);
        if (!chat.IsConfigured)
        {
            throw StepFailedException.NonRetryable(
                "FAILED_PRECONDITION",
                $"The 'chat' task needs a chat provider: set {ChatProviderOptions.EndpointKey} (environment Ai__Chat__Endpoint), for example http://localhost:11434/v1, and {ChatProviderOptions.ModelKey}.");
        }

        var model = input.OptionalString("model") ?? chat.Options.Model;
        if (string.IsNullOrWhiteSpace(model))
        {
            throw StepFailedException.NonRetryable(
                "FAILED_PRECONDITION",
                $"The 'chat' task needs a model: set {ChatProviderOptions.ModelKey} (environment Ai__Chat__Model) or give input.model.");
        }

        if (includeUpstream && request.Step.Dependencies.Count > 0)
        {
            var upstream = new JsonObject();
            foreach (var (stepId, output) in request.Step.Dependencies.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                upstream[stepId] = StructJson.ToJsonObject(output);
            }

            prompt += "\n\nUpstream data (JSON, keyed by step id):\n" + upstream.ToJsonString();
        }

        List<ChatMessage> messages = system is null
            ? [new(ChatRole.User, prompt)]
            : [new(ChatRole.System, system), new(ChatRole.User, prompt)];
        var options = new ChatOptions
        {
            ModelId = model,
            Temperature = temperature is { } t ? (float)t : null,
            MaxOutputTokens = maxTokens,
            ResponseFormat = json ? ChatResponseFormat.Json : null,
        };

        ChatResponse response;
        try
        {
            response = await chat.For(model).GetResponseAsync(messages, options, cancellationToken);
        }
        catch (ClientResultException exception)
        {
            throw ProviderErrors.ToStepFailure(exception, timeProvider);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StepFailedException(
                "DEADLINE_EXCEEDED",
                string.Create(CultureInfo.InvariantCulture, $"The chat provider did not answer within {chat.Options.Timeout.TotalSeconds:0.###} s (Ai:Chat:Timeout)."),
                retryable: true,
                innerException: exception);
        }

        var result = new JsonObject
        {
            ["provider"] = Provider,
            ["task"] = Name,
            ["model"] = response.ModelId ?? model,
        };
        if (json)
        {
            result["json"] = ParseJson(response.Text);
        }
        else
        {
            result["text"] = response.Text;
        }

        if (response.FinishReason is { } finish)
        {
            result["finish_reason"] = finish.Value;
        }

        result["usage"] = new JsonObject
        {
            ["input_tokens"] = response.Usage?.InputTokenCount,
            ["output_tokens"] = response.Usage?.OutputTokenCount,
            ["total_tokens"] = response.Usage?.TotalTokenCount,
        };
        return result;
    }

    /// <summary>Parses the model's answer as JSON, tolerating a Markdown code fence around it.</summary>
    internal static JsonNode? ParseJson(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            var firstLineEnd = trimmed.IndexOf('\n', StringComparison.Ordinal);
            var closing = trimmed.LastIndexOf("```", StringComparison.Ordinal);
            if (firstLineEnd > 0 && closing > firstLineEnd)
            {
                trimmed = trimmed[(firstLineEnd + 1)..closing].Trim();
            }
        }

        try
        {
            return JsonNode.Parse(trimmed);
        }
        catch (JsonException exception)
        {
            var start = trimmed.Length <= 80 ? trimmed : trimmed[..80] + "…";
            throw new StepFailedException(
                "INVALID_MODEL_OUTPUT",
                $"The model's answer is not valid JSON (response_format: json): {exception.Message} The answer began: {start}",
                retryable: false,
                innerException: exception);
        }
    }
}
