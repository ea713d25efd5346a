using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Tests.Scheduling;

/// <summary>A watcher that stops reading holds a bounded amount of memory, in events and in bytes.</summary>
public sealed class WatcherTests
{
    private static ExecutionEvent BigEvent(long sequence)
    {
        var output = new Struct();
        output.Fields["blob"] = Value.ForString(new string('x', 200 * 1024));
        return new ExecutionEvent { ExecutionId = "e", Sequence = sequence, StepSucceeded = new StepSucceeded { StepId = "a", Output = output } };
    }

    [Fact]
    public void Publish_StalledReaderPastTheByteBound_LagsAndHoldsAtMostTheBound()
    {
        var watcher = new Watcher(capacity: 1024);
        var accepted = 0;

        for (var i = 1; i <= 50 && watcher.Publish(BigEvent(i)); i++)
        {
            accepted++;
        }

        Assert.True(watcher.Lagging);
        Assert.True(accepted * BigEvent(1).CalculateSize() <= Watcher.MaxBufferedBytes, $"{accepted} events of 200 KiB were buffered");
        Assert.True(accepted > 0);
    }

    [Fact]
    public void Publish_ReaderKeepingUp_NeverLags()
    {
        var watcher = new Watcher(capacity: 1024);

        for (var i = 1; i <= 50; i++)
        {
            Assert.True(watcher.Publish(BigEvent(i)));
            Assert.True(watcher.TryRead(out var e));
            Assert.Equal(i, e.Sequence);
        }

        Assert.False(watcher.Lagging);
    }

    [Fact]
    public void Publish_OneEventLargerThanTheBound_StillDelivered()
    {
        var watcher = new Watcher(capacity: 1024);
        var output = new Struct();
        output.Fields["blob"] = Value.ForString(new string('x', 2 * 1024 * 1024));

        Assert.True(watcher.Publish(new ExecutionEvent { Sequence = 1, StepSucceeded = new StepSucceeded { StepId = "a", Output = output } }));
        Assert.False(watcher.Lagging);
    }
}
