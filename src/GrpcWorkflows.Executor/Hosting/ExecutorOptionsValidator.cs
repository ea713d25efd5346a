using GrpcWorkflows.Executor.Internal;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Executor.Hosting;

/// <summary>Checks <see cref="ExecutorOptions"/> at start, with messages that say what to change.</summary>
internal sealed class ExecutorOptionsValidator : IValidateOptions<ExecutorOptions>
{
    public ValidateOptionsResult Validate(string? name, ExecutorOptions options)
    {
        var failures = new List<string>();
        if (options.MaxConcurrency < 1)
        {
            failures.Add($"Executor:MaxConcurrency must be at least 1 (it is {options.MaxConcurrency}).");
        }

        CheckAddress(options.OrchestratorAddress, "Executor:OrchestratorAddress", failures);
        CheckAddress(options.AdvertisedAddress, "Executor:AdvertisedAddress", failures);
        if (options.HeartbeatInterval is { } interval && interval <= TimeSpan.Zero)
        {
            failures.Add($"Executor:HeartbeatInterval must be positive (it is {interval}); leave it unset to use the orchestrator's.");
        }

        if (options.RegistrationRetryInitialDelay <= TimeSpan.Zero || options.RegistrationRetryMaxDelay < options.RegistrationRetryInitialDelay)
        {
            failures.Add("Executor:RegistrationRetryInitialDelay must be positive and not above Executor:RegistrationRetryMaxDelay.");
        }

        if (options.DrainTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Executor:DrainTimeout must be positive (it is {options.DrainTimeout}); set it like 00:00:30.");
        }

        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add($"Executor:Mode must be Connect or Push (it is {options.Mode}).");
        }

        if (options.DeregisterTimeout <= TimeSpan.Zero)
        {
            failures.Add("Executor:DeregisterTimeout must be positive.");
        }

        if (options.CallerTokenClockSkew < TimeSpan.Zero || options.CallerTokenClockSkew > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Executor:CallerTokenClockSkew must be between 00:00:00 and 00:10:00 (it is {options.CallerTokenClockSkew}).");
        }

        CheckCallerCertificates(options.CallerCertificates, failures);
        CheckOrchestratorTls(options.OrchestratorTls, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckOrchestratorTls(OrchestratorTlsOptions tls, List<string> failures)
    {
        if (!string.IsNullOrWhiteSpace(tls.CaPath) && !File.Exists(tls.CaPath))
        {
            failures.Add($"Executor:OrchestratorTls:CaPath '{tls.CaPath}' does not exist; give a PEM file of the CA certificates the orchestrator's server certificate chains to, or leave it empty for the system's trust store.");
        }

        if (string.IsNullOrWhiteSpace(tls.CertificatePath))
        {
            return;
        }

        if (!File.Exists(tls.CertificatePath))
        {
            failures.Add($"Executor:OrchestratorTls:CertificatePath '{tls.CertificatePath}' does not exist; give this executor's client certificate (PFX, or PEM with Executor:OrchestratorTls:KeyPath).");
            return;
        }

        try
        {
            using var certificate = OrchestratorChannel.LoadCertificate(tls);
            if (!certificate.HasPrivateKey)
            {
                failures.Add($"Executor:OrchestratorTls:CertificatePath '{tls.CertificatePath}' holds no private key: give a PFX with its key, or the PEM key in Executor:OrchestratorTls:KeyPath.");
            }
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException or IOException)
        {
            failures.Add($"Executor:OrchestratorTls:CertificatePath '{tls.CertificatePath}' could not be loaded ({e.Message}); give a PFX file (with Executor:OrchestratorTls:Password when it has one) or a PEM certificate and key.");
        }
    }

    private static void CheckCallerCertificates(CallerCertificateOptions certificates, List<string> failures)
    {
        for (var i = 0; i < certificates.Thumbprints.Count; i++)
        {
            var thumbprint = CallerCertificatePolicy.Normalize(certificates.Thumbprints[i] ?? "");
            if (thumbprint.Length is not (64 or 40))
            {
                failures.Add($"Executor:CallerCertificates:Thumbprints:{i} must be a SHA-256 (64 hex digits) or SHA-1 (40) certificate thumbprint (it is '{certificates.Thumbprints[i]}'); "
                    + "for example the output of `openssl x509 -noout -fingerprint -sha256 -in orchestrator.crt`.");
            }
        }

        if (string.IsNullOrWhiteSpace(certificates.CaPath))
        {
            return;
        }

        if (!File.Exists(certificates.CaPath))
        {
            failures.Add($"Executor:CallerCertificates:CaPath '{certificates.CaPath}' does not exist; give a PEM file of the CA certificates the orchestrator's client certificate chains to.");
            return;
        }

        try
        {
            CallerCertificatePolicy.From(certificates);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            failures.Add($"Executor:CallerCertificates:CaPath '{certificates.CaPath}' could not be read ({e.Message}); give a PEM file of CA certificates.");
        }
    }

    private static void CheckAddress(string? address, string setting, List<string> failures)
    {
        if (string.IsNullOrEmpty(address))
        {
            return;
        }

        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{setting} must be an absolute http:// or https:// address such as http://127.0.0.1:5000 (it is '{address}').");
        }
    }
}
