using GrpcWorkflows.Engine.FlowControl;
using Microsoft.Extensions.Time.Testing;

namespace GrpcWorkflows.Engine.Tests.FlowControl;

/// <summary>The token buckets on a fake clock: full at first, empty after the limit, full again one period after the first take.</summary>
public sealed class RateBucketsTests
{
    [Fact]
    public void TryTake_LimitReached_EmptyUntilTheRefillOnePeriodAfterTheFirstTake()
    {
        var time = new FakeTimeProvider();
        var due = new List<string>();
        RateBuckets? buckets = null;
        buckets = new RateBuckets(time, key => { due.Add(key); buckets!.Refill(key); });
        var rate = new RateKey("ns/api", 2, TimeSpan.FromSeconds(1));

        Assert.True(buckets.TryTake(rate));
        Assert.True(buckets.TryTake(rate));
        Assert.False(buckets.HasToken(rate));
        Assert.False(buckets.TryTake(rate));

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(buckets.HasToken(rate));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["ns/api"], due);
        Assert.True(buckets.TryTake(rate));
        Assert.True(buckets.TryTake(rate));
        Assert.False(buckets.TryTake(rate));
        buckets.Dispose();
    }
}
