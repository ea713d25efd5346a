using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace GrpcWorkflows.Plugins.Ai.Chat;

/// <summary>
/// The chat provider of the process: one OpenAI-compatible client for <see cref="ChatProviderOptions.Endpoint"/>,
/// and one <see cref="IChatClient"/> per model, created on first use and kept.
/// </summary>
/// <remarks>
/// The OpenAI client's own retries are off: the orchestrator owns retries (and honours the provider's
/// <c>Retry-After</c> that the <c>chat</c> task reports).
/// </remarks>
internal sealed class ChatClientSource : IDisposable
{
    /// <summary>The credential sent when no API key is configured; servers such as Ollama ignore it.</summary>
    private const string NoApiKey = "no-api-key";

    private readonly ConcurrentDictionary<string, IChatClient> _clients = new(StringComparer.Ordinal);
    private readonly Lazy<OpenAIClient>? _openAi;

    public ChatClientSource(IOptions<AiOptions> options)
    {
        Options = options.Value.Chat;
        if (Options.IsConfigured && Options.Endpoint is { } endpoint)
        {
            var apiKey = string.IsNullOrEmpty(Options.ApiKey) ? NoApiKey : Options.ApiKey;
            var timeout = Options.Timeout;
            _openAi = new Lazy<OpenAIClient>(() => new OpenAIClient(
                new ApiKeyCredential(apiKey),
                new OpenAIClientOptions
                {
                    Endpoint = endpoint,
                    RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                    NetworkTimeout = timeout,
                }));
        }
    }

    /// <summary>The provider's options.</summary>
    public ChatProviderOptions Options { get; }

    /// <summary>Whether a provider is configured (<c>Ai:Chat:Endpoint</c> is set).</summary>
    public bool IsConfigured => _openAi is not null;

    /// <summary>The client for <paramref name="model"/>.</summary>
    /// <exception cref="InvalidOperationException">No provider is configured.</exception>
    public IChatClient For(string model)
    {
        var openAi = _openAi ?? throw new InvalidOperationException($"No chat provider is configured ({ChatProviderOptions.EndpointKey}).");
        return _clients.GetOrAdd(model, m => openAi.Value.GetChatClient(m).AsIChatClient());
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
