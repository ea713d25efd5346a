using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>Checks <see cref="OrchestratorOptions"/> at start, with messages that say what to change.</summary>
internal sealed class OrchestratorOptionsValidator : IValidateOptions<OrchestratorOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OrchestratorOptions options)
    {
        var failures = new List<string>();
        if (options.ShutdownGracePeriod < TimeSpan.Zero)
        {
            failures.Add($"Orchestrator:ShutdownGracePeriod must not be negative (it is {options.ShutdownGracePeriod}); 00:00:30 lets attempts finish for 30 seconds.");
        }

        if (options.WatchStallTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Orchestrator:WatchStallTimeout must be positive (it is {options.WatchStallTimeout}); 00:00:30 ends a watch whose client read nothing for 30 seconds.");
        }

        var tls = options.Tls;
        if (tls.Enabled && !File.Exists(tls.CertificatePath))
        {
            failures.Add($"Orchestrator:Tls:CertificatePath '{tls.CertificatePath}' does not exist; give the path of a PFX or PEM certificate, or leave it empty for h2c.");
        }

        if (!string.IsNullOrWhiteSpace(tls.KeyPath) && !File.Exists(tls.KeyPath))
        {
            failures.Add($"Orchestrator:Tls:KeyPath '{tls.KeyPath}' does not exist; give the PEM private key of the certificate.");
        }

        if (!tls.Enabled && tls.ClientCertificateMode != ClientCertificateMode.NoCertificate)
        {
            failures.Add("Orchestrator:Tls:ClientCertificateMode needs TLS: set Orchestrator:Tls:CertificatePath too.");
        }

        if (!string.IsNullOrWhiteSpace(tls.ClientCaPath) && !File.Exists(tls.ClientCaPath))
        {
            failures.Add($"Orchestrator:Tls:ClientCaPath '{tls.ClientCaPath}' does not exist; give a PEM file of CA certificates.");
        }

        if (!string.IsNullOrWhiteSpace(options.HttpAddress))
        {
            if (tls.Enabled)
            {
                failures.Add("Orchestrator:HttpAddress is for running without TLS; with Orchestrator:Tls:CertificatePath set, the TLS address serves the dashboard, the JSON API and /metrics too: leave it empty.");
            }
            else if (!Uri.TryCreate(options.HttpAddress, UriKind.Absolute, out var http) || http.Scheme != Uri.UriSchemeHttp || http.IsDefaultPort && !options.HttpAddress.Contains(":80", StringComparison.Ordinal))
            {
                failures.Add($"Orchestrator:HttpAddress '{options.HttpAddress}' is not an http:// address with a port; for example http://127.0.0.1:5180.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
