using System.Threading.Channels;
using GrpcWorkflows.Executor.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GrpcWorkflows.Executor.Tests;

/// <summary>
/// Connect mode on a fake clock: after the orchestrator goes away the executor connects again with exponential
/// backoff and jitter (each wait a random 50–100% of a delay that doubles up to its cap), and starts over after a
/// session succeeds. The waits it asks for are read off the clock, so nothing here depends on real time.
/// </summary>
public sealed class ReconnectTests
{
    [Fact]
    public async Task Session_OrchestratorGoesAway_ConnectsAgainWithDoublingJitteredWaitsAndStartsOverAfterASession()
    {
        var time = new RecordingTimeProvider(DateTimeOffset.UtcNow);
        await using var registry = await TestRegistryServer.StartAsync(TimeSpan.FromHours(1));
        await using var server = await ExecutorServer.StartAsync(
            b =>
            {
                b.AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input));
                b.Services.AddSingleton<TimeProvider>(time);
            },
            o =>
            {
                o.OrchestratorAddress = registry.Address;
                o.RegistrationRetryInitialDelay = TimeSpan.FromSeconds(1);
                o.RegistrationRetryMaxDelay = TimeSpan.FromSeconds(4);
            });
        var events = registry.Calls.Events.Reader;
        Assert.Equal("connect:1", await NextAsync(events));

        // The orchestrator goes away: the session ends and the next three connections are refused.
        registry.Calls.RefuseSessions = 3;
        var ended = registry.Calls.EndSession;
        registry.Calls.EndSession = new(TaskCreationOptions.RunContinuationsAsynchronously);
        ended.SetResult();

        var jittered = 0;
        foreach (var (delay, next) in new[] { (1, "connect-refused:2"), (2, "connect-refused:3"), (4, "connect-refused:4"), (4, "connect:5") })
        {
            var wait = await time.OneShotTimers.Reader.ReadAsync().AsTask().DefaultTimeout();
            Assert.InRange(wait, TimeSpan.FromSeconds(delay / 2.0), TimeSpan.FromSeconds(delay));
            jittered += wait < TimeSpan.FromSeconds(delay) ? 1 : 0;
            time.Advance(wait - TimeSpan.FromMilliseconds(1));
            Assert.False(events.TryPeek(out _), "no connection before the wait is over");
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(next, await NextAsync(events));
        }

        Assert.True(jittered > 0, "the waits are jittered, not the bare delays");

        // A session that succeeded resets the backoff.
        registry.Calls.EndSession.SetResult();
        var reset = await time.OneShotTimers.Reader.ReadAsync().AsTask().DefaultTimeout();
        Assert.InRange(reset, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
    }

    private static async Task<string> NextAsync(ChannelReader<string> events) => await events.ReadAsync().AsTask().DefaultTimeout();

    /// <summary>A fake clock that reports every one-shot timer asked of it (Task.Delay's), with its due time.</summary>
    private sealed class RecordingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public Channel<TimeSpan> OneShotTimers { get; } = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (period == Timeout.InfiniteTimeSpan)
            {
                OneShotTimers.Writer.TryWrite(dueTime);
            }

            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
