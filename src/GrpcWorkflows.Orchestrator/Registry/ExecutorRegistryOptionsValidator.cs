using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>Checks <see cref="ExecutorRegistryOptions"/> at start, with messages that say what to change.</summary>
internal sealed class ExecutorRegistryOptionsValidator : IValidateOptions<ExecutorRegistryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ExecutorRegistryOptions options)
    {
        var failures = new List<string>();
        if (options.LeaseDuration <= TimeSpan.Zero)
        {
            failures.Add($"Executors:LeaseDuration must be positive (it is {options.LeaseDuration}); set it to a duration such as 00:00:15.");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero || options.HeartbeatInterval >= options.LeaseDuration)
        {
            failures.Add($"Executors:HeartbeatInterval ({options.HeartbeatInterval}) must be positive and shorter than Executors:LeaseDuration ({options.LeaseDuration}); a third of the lease is a good value.");
        }

        if (options.SweepInterval <= TimeSpan.Zero)
        {
            failures.Add($"Executors:SweepInterval must be positive (it is {options.SweepInterval}).");
        }

        if (options.DefaultMaxConcurrency < 1)
        {
            failures.Add($"Executors:DefaultMaxConcurrency must be at least 1 (it is {options.DefaultMaxConcurrency}).");
        }

        foreach (var (setting, networks) in new[] { ("AllowedNetworks", options.AllowedNetworks), ("DeniedNetworks", options.DeniedNetworks) })
        {
            for (var i = 0; i < networks.Count; i++)
            {
                if (!System.Net.IPNetwork.TryParse(networks[i]?.Trim(), out _))
                {
                    failures.Add($"Executors:{setting}:{i} '{networks[i]}' is not a CIDR block; write it like 10.0.0.0/8 or fd00::/8.");
                }
            }
        }

        foreach (var (setting, value) in new[] { ("MaxRegistrations", options.MaxRegistrations), ("MaxRegistrationsPerCredential", options.MaxRegistrationsPerCredential), ("MaxLabels", options.MaxLabels), ("MaxLabelLength", options.MaxLabelLength), ("MaxStepTypes", options.MaxStepTypes) })
        {
            if (value < 1)
            {
                failures.Add($"Executors:{setting} must be at least 1 (it is {value}).");
            }
        }

        for (var i = 0; i < options.Static.Count; i++)
        {
            var entry = options.Static[i];
            if (!ExecutorAddress.TryNormalize(entry.Endpoint, out _))
            {
                failures.Add($"Executors:Static:{i}:Endpoint '{entry.Endpoint}' is not an absolute http:// or https:// address; write it like http://127.0.0.1:5101.");
            }

            if (entry.StepTypes.Count == 0 || entry.StepTypes.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"Executors:Static:{i}:StepTypes must list at least one non-empty step type (Executors:Static:{i}:StepTypes:0=...).");
            }

            if (entry.MaxConcurrency < 0)
            {
                failures.Add($"Executors:Static:{i}:MaxConcurrency must be 0 (the default) or more (it is {entry.MaxConcurrency}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
