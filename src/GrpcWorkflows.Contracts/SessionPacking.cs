using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace GrpcWorkflows.V1;

/// <summary>
/// How either end of an executor session (<c>Connect</c>) packs items queued behind one another into one message:
/// the executor's results into <see cref="SessionResults"/>, the orchestrator's attempts into <see cref="SessionAttempts"/>,
/// each only when the other side said it reads them. One message and one write instead of one per item; the caps
/// keep a message well below any receive limit (a single item bigger than that still goes, alone).
/// </summary>
public static class SessionPacking
{
    /// <summary>The most items one message carries.</summary>
    public const int MaxItemsPerMessage = 64;

    /// <summary>The most bytes of items one message carries, unless its first item alone is bigger.</summary>
    public const int MaxBytesPerMessage = 256 * 1024;

    /// <summary>
    /// Adds <paramref name="first"/> to <paramref name="into"/>, then takes from <paramref name="queue"/> the items
    /// queued right behind it (as long as <paramref name="itemOf"/> finds one in the next message) within the caps.
    /// The queue must have a single reader: the caller.
    /// </summary>
    public static void TakeQueued<TMessage, TItem>(ChannelReader<TMessage> queue, TItem first, RepeatedField<TItem> into, Func<TMessage, TItem?> itemOf)
        where TItem : class, IMessage
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(itemOf);
        into.Add(first);
        var bytes = first.CalculateSize();
        while (into.Count < MaxItemsPerMessage && queue.TryPeek(out var next) && itemOf(next) is { } item)
        {
            bytes += item.CalculateSize();
            if (bytes > MaxBytesPerMessage || !queue.TryRead(out _))
            {
                break;
            }

            into.Add(item);
        }
    }
}
