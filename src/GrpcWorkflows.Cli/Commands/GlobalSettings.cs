using System.ComponentModel;
using GrpcWorkflows.Client;
using Spectre.Console;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Commands;

/// <summary>The options every command takes: where the orchestrator is and how to print.</summary>
public class GlobalSettings : CommandSettings
{
    /// <summary>The environment variable that sets the orchestrator address when <c>--address</c> is not given.</summary>
    public const string AddressVariable = "GWF_ADDRESS";

    /// <summary>The orchestrator address given with <c>--address</c>.</summary>
    [CommandOption("-a|--address <URL>")]
    [Description("The orchestrator address, e.g. http://127.0.0.1:5100. Defaults to $GWF_ADDRESS, then http://127.0.0.1:5100.")]
    public string? Address { get; set; }

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
