namespace GrpcWorkflows.Engine.FlowControl;

/// <summary>
/// The token buckets of rate limits, by key: a bucket holds up to its limit of tokens and is filled
/// again by a one-shot timer of the engine's <see cref="TimeProvider"/> one period after the first
/// token taken from a full bucket (a fake clock drives it in tests; an idle bucket costs no timer).
/// Guarded by the engine's lock.
/// </summary>
/// <remarks>
/// Each refill period holds at most the limit of takes, and periods do not overlap: over any window of
/// k periods at most (k + 1) × limit tokens are taken. <c>System.Threading.RateLimiting</c>'s
/// <c>TokenBucketRateLimiter</c> (with <c>AutoReplenishment = false</c>) was tried first: called from a
/// fake clock's timer, its <c>TryReplenish</c> left the bucket empty (it measures elapsed time with its
/// own stopwatch), so the engine's <see cref="TimeProvider"/> could not drive it.
/// </remarks>
internal sealed class RateBuckets : IDisposable
{
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly Action<string> _due;

    /// <param name="time">The clock of the refills.</param>
    /// <param name="due">Called from a timer, outside the lock, when a bucket's refill is due: the engine takes the lock and calls <see cref="Refill"/>.</param>
    public RateBuckets(TimeProvider time, Action<string> due)
    {
        _time = time;
        _due = due;
    }

    /// <summary>Whether the key's bucket has a token now (a bucket is full until first used).</summary>
    public bool HasToken(RateKey rate) => !_buckets.TryGetValue(rate.Key, out var bucket) || bucket.Tokens > 0;

    /// <summary>Takes a token; false when the bucket is empty.</summary>
    public bool TryTake(RateKey rate)
    {
        if (!_buckets.TryGetValue(rate.Key, out var bucket))
        {
            // The first definition to use a key sets its bucket; later ones with other settings share it.
            bucket = new Bucket(this, rate.Key) { Tokens = rate.Limit };
            _buckets.Add(rate.Key, bucket);
        }

        if (bucket.Tokens == 0)
        {
            return false;
        }

        bucket.Tokens--;
        bucket.Timer ??= _time.CreateTimer(static state => ((Bucket)state!).Fire(), bucket, rate.Period, Timeout.InfiniteTimeSpan);
        return true;
    }

    /// <summary>The key's refill is due: the bucket is full again. Under the engine's lock.</summary>
    public void Refill(string key)
    {
        if (_buckets.Remove(key, out var bucket))
        {
            // A full, idle bucket is the same as none: dropping it keeps keys from input (tenants) from piling up.
            bucket.Timer?.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Timer?.Dispose();
        }

        _buckets.Clear();
    }

    private sealed class Bucket(RateBuckets owner, string key)
    {
        public int Tokens { get; set; }

        public ITimer? Timer { get; set; }

        public void Fire() => owner._due(key);
    }
}
