using System.Threading.Channels;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Scheduling;

/// <summary>
/// One live subscriber to an execution's events: a buffer bounded in events and in bytes
/// (<see cref="MaxBufferedBytes"/>: events carry step outputs of up to megabytes each) that the
/// engine writes without waiting. When it is full the watcher is marked lagging and unsubscribed;
/// it then catches up from the store, which it reads as it sends.
/// </summary>
internal sealed class Watcher
{
    /// <summary>The most bytes of events one watcher buffers; one event always fits in an empty buffer.</summary>
    public const long MaxBufferedBytes = 1024 * 1024;

    private long _bufferedBytes;

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
        var size = e.CalculateSize();
        var buffered = Interlocked.Add(ref _bufferedBytes, size);
        if ((buffered <= MaxBufferedBytes || buffered == size) && Channel.Writer.TryWrite(e))
        {
            return true;
        }

        Interlocked.Add(ref _bufferedBytes, -size);

        Lagging = true;
        Channel.Writer.TryComplete();
        return false;
    }

    /// <summary>Reads the next buffered event, if any, and frees its bytes.</summary>
    public bool TryRead(out ExecutionEvent e)
    {
        if (!Channel.Reader.TryRead(out e!))
        {
            return false;
        }

        Interlocked.Add(ref _bufferedBytes, -e.CalculateSize());
        return true;
    }
}
