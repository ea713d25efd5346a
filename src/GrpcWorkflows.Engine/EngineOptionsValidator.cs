using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Engine;

/// <summary>Checks <see cref="EngineOptions"/> at start, with messages that say what to change.</summary>
public sealed class EngineOptionsValidator : IValidateOptions<EngineOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, EngineOptions options)
    {
        var failures = new List<string>();
        AtLeast(failures, "Engine:MaxParallelSteps", options.MaxParallelSteps, 1, "the number of steps that may run at once across all executions");
        AtLeast(failures, "Engine:MaxActiveExecutions", options.MaxActiveExecutions, 1, "the admission limit of unfinished executions");
        AtLeast(failures, "Engine:WatcherBufferSize", options.WatcherBufferSize, 1, "the events buffered per watcher");
        if (options.DefaultStepTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Engine:DefaultStepTimeout must be positive (it is {options.DefaultStepTimeout}); set it like 00:05:00.");
        }

        if (options.MaxExecutorWait <= TimeSpan.Zero)
        {
            failures.Add($"Engine:MaxExecutorWait must be positive (it is {options.MaxExecutorWait}); set it like 00:05:00 (how long a step waits for a reachable executor).");
        }

        if (options.StartRecordDelay < TimeSpan.Zero || options.StartRecordDelay > TimeSpan.FromSeconds(10))
        {
            failures.Add($"Engine:StartRecordDelay must be between 00:00:00 and 00:00:10 (it is {options.StartRecordDelay}); set it like 00:00:00.100 (how long an attempt's start may wait to be stored with its result), or 00:00:00 to store every start first.");
        }

        if (options.PriorityAgingInterval <= TimeSpan.Zero)
        {
            failures.Add($"Engine:PriorityAgingInterval must be positive (it is {options.PriorityAgingInterval}); set it like 00:00:10 (how long a waiting step takes to gain one priority level).");
        }

        foreach (var (stepType, rate) in options.StepTypeRateLimits)
        {
            AtLeast(failures, $"Engine:StepTypeRateLimits:{stepType}:Limit", rate.Limit, 1, "attempts of the step type per period");
            if (rate.Period < TimeSpan.FromMilliseconds(1))
            {
                failures.Add($"Engine:StepTypeRateLimits:{stepType}:Period must be at least 1 ms (it is {rate.Period}); set it like 00:00:01.");
            }
        }

        var retry = options.DefaultRetryPolicy;
        AtLeast(failures, "Engine:DefaultRetryPolicy:MaxAttempts", retry.MaxAttempts, 1, "attempts in all, the first included");
        if (retry.InitialBackoff < TimeSpan.Zero)
        {
            failures.Add($"Engine:DefaultRetryPolicy:InitialBackoff must not be negative (it is {retry.InitialBackoff}).");
        }

        if (retry.MaxBackoff < retry.InitialBackoff)
        {
            failures.Add($"Engine:DefaultRetryPolicy:MaxBackoff ({retry.MaxBackoff}) must be at least InitialBackoff ({retry.InitialBackoff}).");
        }

        if (!(retry.BackoffMultiplier >= 1))
        {
            failures.Add($"Engine:DefaultRetryPolicy:BackoffMultiplier must be at least 1 (it is {retry.BackoffMultiplier}).");
        }

        if (!(retry.Jitter is >= 0 and <= 1))
        {
            failures.Add($"Engine:DefaultRetryPolicy:Jitter must be between 0 and 1 (it is {retry.Jitter}).");
        }

        var limits = options.Limits;
        AtLeast(failures, "Engine:Limits:MaxSteps", limits.MaxSteps, 1, "steps per workflow");
        AtLeast(failures, "Engine:Limits:MaxEdges", limits.MaxEdges, 0, "dependency edges per workflow");
        AtLeast(failures, "Engine:Limits:MaxInputDepth", limits.MaxInputDepth, 1, "nesting depth of step inputs");
        AtLeast(failures, "Engine:Limits:MaxDefinitionBytes", limits.MaxDefinitionBytes, 1, "bytes of a definition");
        AtLeast(failures, "Engine:Limits:MaxStepIdLength", limits.MaxStepIdLength, 1, "characters of a step id");
        AtLeast(failures, "Engine:Limits:MaxPayloadBytes", limits.MaxPayloadBytes, 1, "bytes of a step's input or output");
        AtLeast(failures, "Engine:Limits:MaxConcurrency", limits.MaxConcurrency, 1, "the largest concurrency max");
        AtLeast(failures, "Engine:Limits:MaxRateLimit", limits.MaxRateLimit, 1, "the largest rate limit");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void AtLeast(List<string> failures, string key, int value, int minimum, string meaning)
    {
        if (value < minimum)
        {
            failures.Add($"{key} ({meaning}) must be at least {minimum} (it is {value}).");
        }
    }
}
