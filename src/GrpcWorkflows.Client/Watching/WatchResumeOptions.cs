namespace GrpcWorkflows.Client.Watching;

/// <summary>
/// How an event stream that breaks (the server or the network goes away) is resumed. The client
/// reopens the stream from the last sequence it delivered plus one, waiting between attempts with
/// an exponential backoff; it gives up after <see cref="MaxAttempts"/> consecutive attempts that
/// deliver no event.
/// </summary>
public sealed class WatchResumeOptions
{
    /// <summary>The default <see cref="MaxAttempts"/>.</summary>
    public const int DefaultMaxAttempts = 8;

    /// <summary>The default <see cref="InitialDelay"/>: 200 milliseconds.</summary>
    public static readonly TimeSpan DefaultInitialDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The default <see cref="MaxDelay"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The largest number of consecutive resume attempts that deliver no event before the stream's
    /// last error is thrown to the caller. 0 turns resuming off. Defaults to <see cref="DefaultMaxAttempts"/>.
    /// </summary>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>The wait before the first resume attempt; it doubles after each attempt. Defaults to <see cref="DefaultInitialDelay"/>.</summary>
    public TimeSpan InitialDelay { get; set; } = DefaultInitialDelay;

    /// <summary>The longest wait between two resume attempts. Defaults to <see cref="DefaultMaxDelay"/>.</summary>
    public TimeSpan MaxDelay { get; set; } = DefaultMaxDelay;

    /// <summary>The wait before resume attempt <paramref name="attempt"/> (from 1).</summary>
    internal TimeSpan DelayBefore(int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(InitialDelay.Ticks * factor, MaxDelay.Ticks));
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }
}
