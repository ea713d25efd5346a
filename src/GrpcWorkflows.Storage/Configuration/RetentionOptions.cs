namespace GrpcWorkflows.Storage.Configuration;

/// <summary>
/// How long finished (succeeded, failed or cancelled) executions are kept before the background
/// purge deletes them with their events. Running and pending executions are never purged.
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>The default <see cref="MaxAge"/>: 7 days.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromDays(7);

    /// <summary>The default <see cref="MaxCount"/>: 100,000 finished executions.</summary>
    public const int DefaultMaxCount = 100_000;

    /// <summary>The default <see cref="Interval"/>: 1 minute.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Finished executions that ended longer ago than this are purged. Null keeps them whatever
    /// their age. Default: <see cref="DefaultMaxAge"/>.
    /// </summary>
    public TimeSpan? MaxAge { get; set; } = DefaultMaxAge;

    /// <summary>
    /// At most this many finished executions are kept; the ones that ended first go first. Null
    /// keeps any number. Default: <see cref="DefaultMaxCount"/>.
    /// </summary>
    public int? MaxCount { get; set; } = DefaultMaxCount;

    /// <summary>How often the purge runs (it also runs once at start). Default: <see cref="DefaultInterval"/>.</summary>
    public TimeSpan Interval { get; set; } = DefaultInterval;
}
