using System.ComponentModel;
using GrpcWorkflows.Cli.Credentials;
using GrpcWorkflows.Client;
using Spectre.Console;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Commands;

/// <summary>The options every command takes: where the orchestrator is, the credential for it, and how to print.</summary>
public class GlobalSettings : CommandSettings
{
    /// <summary>The environment variable that sets the orchestrator address when <c>--address</c> is not given.</summary>
    public const string AddressVariable = "GWF_ADDRESS";

    /// <summary>The orchestrator address given with <c>--address</c>.</summary>
    [CommandOption("-a|--address <URL>")]
    [Description("The orchestrator address, e.g. http://127.0.0.1:5100. Defaults to $GWF_ADDRESS, then http://127.0.0.1:5100.")]
    public string? Address { get; set; }

    /// <summary>The environment variable that sets the API key when <c>--api-key</c> is not given.</summary>
    public const string ApiKeyVariable = "GWF_API_KEY";

    /// <summary>The API key given with <c>--api-key</c>.</summary>
    [CommandOption("--api-key <KEY>")]
    [Description("The API key for an orchestrator that authenticates clients. Defaults to $GWF_API_KEY, then the key gwf dev saved for the address in the credentials file ($GWF_CREDENTIALS_FILE, else ~/.config/gwf/credentials).")]
    public string? ApiKey { get; set; }

    /// <summary>The environment variable that sets the namespace when <c>--namespace</c> is not given.</summary>
    public const string NamespaceVariable = "GWF_NAMESPACE";

    /// <summary>The namespace given with <c>--namespace</c>.</summary>
    [CommandOption("--namespace <NAME>")]
    [Description("The namespace to submit into and list (executions are found by id in any namespace the credential covers). Defaults to $GWF_NAMESPACE, then default.")]
    public string? Namespace { get; set; }

    /// <summary>The namespace to use: <c>--namespace</c>, then <c>GWF_NAMESPACE</c>; null for the orchestrator's <c>default</c>.</summary>
    public string? ResolveNamespace()
    {
        var text = !string.IsNullOrWhiteSpace(Namespace) ? Namespace : Environment.GetEnvironmentVariable(NamespaceVariable);
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    /// <summary>The output format given with <c>--output</c>.</summary>
    [CommandOption("-o|--output <FORMAT>")]
    [Description("text (default) or json: one JSON document, or JSON lines for event streams.")]
    [DefaultValue(OutputFormat.Text)]
    public OutputFormat Output { get; set; } = OutputFormat.Text;

    /// <summary>True when the address came from <c>--address</c> or <c>GWF_ADDRESS</c> rather than the default.</summary>
    public bool HasExplicitAddress => !string.IsNullOrWhiteSpace(Address) || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(AddressVariable));

    /// <summary>The orchestrator address to use: <c>--address</c>, then <c>GWF_ADDRESS</c>, then the default.</summary>
    public Uri ResolveAddress()
    {
        var text = !string.IsNullOrWhiteSpace(Address) ? Address : Environment.GetEnvironmentVariable(AddressVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new Uri(WorkflowClientOptions.DefaultAddress);
        }

        text = text.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UsageException($"'{text}' is not an orchestrator address; use a URL such as http://127.0.0.1:5100.");
    }

    /// <summary>The API key to send to <paramref name="address"/>: <c>--api-key</c>, then <c>GWF_API_KEY</c>, then the credentials file's entry for that address; null for none.</summary>
    public string? ResolveApiKey(Uri address)
    {
        if (!string.IsNullOrWhiteSpace(ApiKey))
        {
            return ApiKey.Trim();
        }

        return Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment.Trim()
            : CredentialsFile.ApiKeyFor(address);
    }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (!string.IsNullOrWhiteSpace(Address))
        {
            try
            {
                ResolveAddress();
            }
            catch (UsageException e)
            {
                return ValidationResult.Error(e.Message);
            }
        }

        return base.Validate();
    }
}
