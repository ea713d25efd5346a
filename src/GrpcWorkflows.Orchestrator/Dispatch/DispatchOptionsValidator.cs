using GrpcWorkflows.Orchestrator.Security.Internal;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Dispatch;

/// <summary>Checks <see cref="DispatchOptions"/> at start, with messages that say what to change.</summary>
internal sealed class DispatchOptionsValidator : IValidateOptions<DispatchOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DispatchOptions options)
    {
        var failures = new List<string>();
        if (options.MaxChannels < 1)
        {
            failures.Add($"Dispatch:MaxChannels must be at least 1 (it is {options.MaxChannels}).");
        }

        if (options.ChannelIdleTimeout <= TimeSpan.Zero || options.ConnectTimeout <= TimeSpan.Zero
            || options.KeepAlivePingDelay <= TimeSpan.Zero || options.KeepAlivePingTimeout <= TimeSpan.Zero)
        {
            failures.Add("Dispatch:ChannelIdleTimeout, ConnectTimeout, KeepAlivePingDelay and KeepAlivePingTimeout must all be positive durations such as 00:00:30.");
        }

        if (options.MaxMessageBytes < 1024)
        {
            failures.Add($"Dispatch:MaxMessageBytes must be at least 1024 (it is {options.MaxMessageBytes}).");
        }

        if (options.ReconnectBackoff <= TimeSpan.Zero || options.MaxReconnectBackoff < options.ReconnectBackoff)
        {
            failures.Add($"Dispatch:ReconnectBackoff must be positive and Dispatch:MaxReconnectBackoff at least as long (they are {options.ReconnectBackoff} and {options.MaxReconnectBackoff}); set them like 00:00:00.1 and 00:00:01.");
        }

        if (options.MaxFailovers < 0)
        {
            failures.Add($"Dispatch:MaxFailovers must be 0 or more (it is {options.MaxFailovers}).");
        }

        if (options.MaxLostDeliveries < 0)
        {
            failures.Add($"Dispatch:MaxLostDeliveries must be 0 or more (it is {options.MaxLostDeliveries}); 3 re-sends an attempt lost with an executor session up to 3 times.");
        }

        if (options.CircuitFailureRatio is <= 0 or > 1)
        {
            failures.Add($"Dispatch:CircuitFailureRatio must be above 0 and at most 1 (it is {options.CircuitFailureRatio}); 0.5 opens the circuit when half the calls fail.");
        }

        if (options.CircuitMinimumThroughput < 2)
        {
            failures.Add($"Dispatch:CircuitMinimumThroughput must be at least 2 (it is {options.CircuitMinimumThroughput}).");
        }

        if (options.CircuitSamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            failures.Add($"Dispatch:CircuitSamplingDuration must be at least 00:00:00.5 (it is {options.CircuitSamplingDuration}).");
        }

        if (options.CircuitBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            failures.Add($"Dispatch:CircuitBreakDuration must be at least 00:00:00.5 (it is {options.CircuitBreakDuration}).");
        }

        CheckCertificates(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The client certificate and the executors' CA must load now, not at the first call to an executor.</summary>
    private static void CheckCertificates(DispatchOptions options, List<string> failures)
    {
        var certificate = options.ClientCertificate;
        if (!certificate.Enabled && (!string.IsNullOrWhiteSpace(certificate.KeyPath) || !string.IsNullOrEmpty(certificate.Password)))
        {
            failures.Add("Dispatch:ClientCertificate:KeyPath or Password is set without Dispatch:ClientCertificate:Path: give the certificate file too.");
        }
        else if (certificate.Enabled && !File.Exists(certificate.Path))
        {
            failures.Add($"Dispatch:ClientCertificate:Path '{certificate.Path}' does not exist; give the orchestrator's client certificate (PFX, or PEM with Dispatch:ClientCertificate:KeyPath).");
        }
        else if (certificate.Enabled && !string.IsNullOrWhiteSpace(certificate.KeyPath) && !File.Exists(certificate.KeyPath))
        {
            failures.Add($"Dispatch:ClientCertificate:KeyPath '{certificate.KeyPath}' does not exist; give the PEM private key of Dispatch:ClientCertificate:Path.");
        }
        else if (certificate.Enabled)
        {
            try
            {
                using var loaded = CertificateFiles.Load(certificate.Path!, certificate.KeyPath, certificate.Password);
                if (!loaded.HasPrivateKey)
                {
                    failures.Add($"Dispatch:ClientCertificate:Path '{certificate.Path}' holds no private key: give a PFX with its key, or the PEM key in Dispatch:ClientCertificate:KeyPath.");
                }
                else if (loaded.NotAfter < DateTime.Now)
                {
                    failures.Add($"Dispatch:ClientCertificate:Path '{certificate.Path}' expired on {loaded.NotAfter:u} ({loaded.Subject}); renew it.");
                }
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                failures.Add($"Dispatch:ClientCertificate:Path '{certificate.Path}' could not be loaded ({e.Message}); give a PFX file (with Dispatch:ClientCertificate:Password when it has one) or a PEM certificate and key.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.ExecutorCaPath))
        {
            return;
        }

        if (!File.Exists(options.ExecutorCaPath))
        {
            failures.Add($"Dispatch:ExecutorCaPath '{options.ExecutorCaPath}' does not exist; give a PEM file of the CA certificates executors' server certificates chain to, or leave it empty for the system's trust store.");
            return;
        }

        try
        {
            CertificateFiles.LoadAuthorities(options.ExecutorCaPath);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            failures.Add($"Dispatch:ExecutorCaPath '{options.ExecutorCaPath}' could not be read ({e.Message}); give a PEM file of CA certificates.");
        }
    }
}
