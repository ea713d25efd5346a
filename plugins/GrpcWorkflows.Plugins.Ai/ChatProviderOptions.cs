namespace GrpcWorkflows.Plugins.Ai;

/// <summary>
/// An OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI's v1 API, Ollama, vLLM, llama.cpp's server,
/// LM Studio...), section <c>Ai:Chat</c>. The provider is configured when <see cref="Endpoint"/> is set.
/// </summary>
public sealed class ChatProviderOptions
{
    /// <summary>The configuration key of <see cref="Endpoint"/>, named in errors.</summary>
    public const string EndpointKey = "Ai:Chat:Endpoint";

    /// <summary>The configuration key of <see cref="Model"/>, named in errors.</summary>
    public const string ModelKey = "Ai:Chat:Model";

    /// <summary>The default of <see cref="Timeout"/>: 100 seconds, as the OpenAI client's own default.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(100);

    /// <summary>
    /// The API's base address including its version segment, for example <c>https://api.openai.com/v1</c> or
    /// <c>http://localhost:11434/v1</c> (Ollama); requests go to <c>{Endpoint}/chat/completions</c>. Default: none.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The model used when a step does not name one, for example <c>gpt-4o-mini</c>. Default: none.</summary>
    public string? Model { get; set; }

    /// <summary>The API key sent as a bearer token. Default: none (local servers usually need none).</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one request may take before it fails as retryable; the step's deadline also applies.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>Whether a chat provider is configured: <see cref="Endpoint"/> is set and not empty.</summary>
    public bool IsConfigured => !string.IsNullOrEmpty(Endpoint?.OriginalString);
}
