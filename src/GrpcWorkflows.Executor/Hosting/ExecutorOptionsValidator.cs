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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
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
