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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
