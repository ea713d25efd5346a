namespace GrpcWorkflows.Engine;

/// <summary>
/// The engine-wide default retry policy: the delay before attempt n+1 is
/// <c>min(InitialBackoff * BackoffMultiplier^(n-1), MaxBackoff)</c>, of which the fraction
/// <see cref="Jitter"/> is randomised.
/// </summary>
public sealed class RetryPolicyOptions
{
    /// <summary>The default of <see cref="MaxAttempts"/>: 3.</summary>
    public const int DefaultMaxAttempts = 3;

    /// <summary>The default of <see cref="BackoffMultiplier"/>: 2.</summary>
    public const double DefaultBackoffMultiplier = 2;

    /// <summary>The default of <see cref="Jitter"/>: 0.2.</summary>
    public const double DefaultJitter = 0.2;

    /// <summary>The default of <see cref="InitialBackoff"/>: 1 second.</summary>
    public static readonly TimeSpan DefaultInitialBackoff = TimeSpan.FromSeconds(1);

    /// <summary>The default of <see cref="MaxBackoff"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromMinutes(5);

    /// <summary>The total number of attempts, the first included. Default 3.</summary>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>The delay before the first retry. Default 1 second.</summary>
    public TimeSpan InitialBackoff { get; set; } = DefaultInitialBackoff;

    /// <summary>The factor applied to the delay after each retry. Default 2.</summary>
    public double BackoffMultiplier { get; set; } = DefaultBackoffMultiplier;

    /// <summary>The largest delay between two attempts. Default 5 minutes.</summary>
    public TimeSpan MaxBackoff { get; set; } = DefaultMaxBackoff;

    /// <summary>The randomised fraction of each delay, from 0 (none) to 1 (full jitter). Default 0.2.</summary>
    public double Jitter { get; set; } = DefaultJitter;
}
