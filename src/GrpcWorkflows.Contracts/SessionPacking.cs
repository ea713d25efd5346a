using System.Threading.Channels;
using Google.Protobuf;

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
    /// The items queued right behind <paramref name="first"/> in <paramref name="queue"/> (as long as <paramref name="itemOf"/>
    /// finds one in the next message), taken off the queue within the caps, with <paramref name="first"/> ahead of them; null,
    /// taking nothing, when the next queued message holds no such item: <paramref name="first"/> then goes alone, as it is.
    /// The queue must have a single reader: the caller.
    /// </summary>
    public static List<TItem>? TakeQueued<TMessage, TItem>(ChannelReader<TMessage> queue, TItem first, Func<TMessage, TItem?> itemOf)
        where TItem : class, IMessage
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(itemOf);
        List<TItem>? items = null;
        var bytes = 0;
        while ((items?.Count ?? 1) < MaxItemsPerMessage && queue.TryPeek(out var next) && itemOf(next) is { } item)
        {
            // Sizes are counted only once a second item is there: a lone item (most writes when not busy) costs nothing here.
            bytes += (items is null ? first.CalculateSize() : 0) + item.CalculateSize();
            if (bytes > MaxBytesPerMessage || !queue.TryRead(out _))
            {
                break;
            }

            (items ??= [first]).Add(item);
        }

        return items;
    }
}
