using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Retry;

/// <summary>
/// A step's effective retry policy: every field resolved from the step's policy, the workflow
/// default and the engine default, in that order.
/// </summary>
internal sealed class RetryPlan
{
    private static readonly IReadOnlySet<string> NoCodes = new HashSet<string>(StringComparer.Ordinal);

    public RetryPlan(int maxAttempts, TimeSpan initialBackoff, double multiplier, TimeSpan maxBackoff, double jitter, IReadOnlySet<string> nonRetryableCodes)
    {
        MaxAttempts = maxAttempts;
        InitialBackoff = initialBackoff;
        Multiplier = multiplier;
        MaxBackoff = maxBackoff;
        Jitter = jitter;
        NonRetryableCodes = nonRetryableCodes;
    }

    public int MaxAttempts { get; }

    public TimeSpan InitialBackoff { get; }

    public double Multiplier { get; }

    public TimeSpan MaxBackoff { get; }

    public double Jitter { get; }

    public IReadOnlySet<string> NonRetryableCodes { get; }

    /// <summary>Resolves a step's plan from its own policy or <c>max_retries</c>, the workflow default and the engine default.</summary>
    public static RetryPlan Resolve(RetryPolicy? step, int? maxRetries, RetryPolicy? workflow, RetryPolicyOptions engine)
    {
        var maxAttempts = step?.HasMaxAttempts == true ? step.MaxAttempts
            : step is null && maxRetries is { } retries ? retries + 1
            : workflow?.HasMaxAttempts == true ? workflow.MaxAttempts
            : engine.MaxAttempts;
        var initial = step?.InitialBackoff?.ToTimeSpan() ?? workflow?.InitialBackoff?.ToTimeSpan() ?? engine.InitialBackoff;
        var multiplier = step?.HasBackoffMultiplier == true ? step.BackoffMultiplier
            : workflow?.HasBackoffMultiplier == true ? workflow.BackoffMultiplier
            : engine.BackoffMultiplier;
        var max = step?.MaxBackoff?.ToTimeSpan() ?? workflow?.MaxBackoff?.ToTimeSpan() ?? engine.MaxBackoff;
        var jitter = step?.HasJitter == true ? step.Jitter : workflow?.HasJitter == true ? workflow.Jitter : engine.Jitter;
        var codes = (IEnumerable<string>?)step?.NonRetryableCodes ?? [];
        if (workflow is not null)
        {
            codes = codes.Concat(workflow.NonRetryableCodes);
        }

        var set = codes.Any() ? new HashSet<string>(codes, StringComparer.Ordinal) : NoCodes;
        return new RetryPlan(maxAttempts, initial, multiplier, max < initial ? initial : max, jitter, set);
    }

    /// <summary>The delay before the attempt after failed attempt <paramref name="failedAttempt"/> (from 1), before jitter.</summary>
    public TimeSpan BaseDelay(int failedAttempt)
    {
        var ticks = InitialBackoff.Ticks * Math.Pow(Multiplier, failedAttempt - 1);
        return ticks >= MaxBackoff.Ticks || double.IsNaN(ticks) ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>
    /// The jittered delay: in <c>[base * (1 - jitter), base]</c>, drawn with <paramref name="random"/>
    /// in [0, 1); never shorter than <paramref name="retryAfter"/>.
    /// </summary>
    public TimeSpan Delay(int failedAttempt, double random, TimeSpan? retryAfter)
    {
        var baseDelay = BaseDelay(failedAttempt);
        var delay = TimeSpan.FromTicks((long)(baseDelay.Ticks * (1 - (Jitter * random))));
        return retryAfter is { } floor && floor > delay ? floor : delay;
    }

    /// <summary>Whether an attempt that failed with <paramref name="error"/> may be retried (attempts aside); see <see cref="RetryClassification"/>.</summary>
    public bool IsRetryable(StepError error) => RetryClassification.ShouldRetry(error, NonRetryableCodes);
}
