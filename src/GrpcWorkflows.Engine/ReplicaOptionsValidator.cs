using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Engine;

/// <summary>Checks <see cref="ReplicaOptions"/> at start, with messages that say what to change.</summary>
public sealed class ReplicaOptionsValidator : IValidateOptions<ReplicaOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ReplicaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.LeaseDuration < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Replicas:LeaseDuration must be at least 1 second (it is {options.LeaseDuration}); set it like 00:00:15 (how long a dead replica's executions wait for a takeover).");
        }

        if (options.RenewInterval <= TimeSpan.Zero || options.RenewInterval * 3 > options.LeaseDuration)
        {
            failures.Add($"Replicas:RenewInterval must be positive and at most a third of Replicas:LeaseDuration (it is {options.RenewInterval}, the lease {options.LeaseDuration}); set it like 00:00:03, or lengthen the lease.");
        }

        if (options.ClaimBatch < 1)
        {
            failures.Add($"Replicas:ClaimBatch must be at least 1 (it is {options.ClaimBatch}): the executions one replica takes over per tick.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
