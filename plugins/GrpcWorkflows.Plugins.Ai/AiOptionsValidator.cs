using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Plugins.Ai;

/// <summary>Checks <see cref="AiOptions"/> at start, with messages that say what to change.</summary>
public sealed class AiOptionsValidator : IValidateOptions<AiOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var endpoint = options.Chat.Endpoint;
        if (options.Chat.IsConfigured && endpoint is not null && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{ChatProviderOptions.EndpointKey} must be an absolute http or https address such as http://localhost:11434/v1, not '{endpoint}'.");
        }

        if (options.Chat.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"Ai:Chat:Timeout must be positive (for example 00:01:40), not {options.Chat.Timeout}.");
        }

        if (options.Local.MaxBatchSize is < 1 or > 1024)
        {
            failures.Add($"Ai:Local:MaxBatchSize must be from 1 to 1024, not {options.Local.MaxBatchSize}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
