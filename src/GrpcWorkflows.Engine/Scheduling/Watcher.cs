using System.Threading.Channels;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Scheduling;

/// <summary>
/// One live subscriber to an execution's events: a bounded buffer the engine writes without
/// waiting. When it is full the watcher is marked lagging and unsubscribed; it then catches up
/// from the store.
/// </summary>
internal sealed class Watcher
{
    public Watcher(int capacity)
    {
        Channel = System.Threading.Channels.Channel.CreateBounded<ExecutionEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public Channel<ExecutionEvent> Channel { get; }

    public bool Lagging { get; set; }

    /// <summary>Writes without waiting; on a full buffer marks the watcher lagging and completes it.</summary>
    public bool Publish(ExecutionEvent e)
    {
        if (Channel.Writer.TryWrite(e))
        {
            return true;
        }

        Lagging = true;
        Channel.Writer.TryComplete();
        return false;
    }
}
