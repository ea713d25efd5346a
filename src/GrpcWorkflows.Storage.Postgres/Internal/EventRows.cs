using Google.Protobuf;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>
/// How events sit in the <c>events</c> table: one row per execution per group commit. A row holds
/// <c>event_count</c> consecutive events from its <c>sequence</c> on: one event is its serialized
/// <see cref="ExecutionEvent"/> (and its <c>kind</c>), several are the events one after another, each prefixed
/// with its length as a varint (protobuf's length-delimited form), with <c>kind</c> 0.
/// </summary>
/// <remarks>
/// Each row costs the database about as much as the next whatever its size (a heap tuple, an index entry, a
/// WAL record): an append of three events is one row, not three.
/// </remarks>
internal static class EventRows
{
    /// <summary>The <c>kind</c> of a row of several events.</summary>
    public const int Mixed = (int)ExecutionEvent.KindOneofCase.None;

    /// <summary>The payload of one row holding <paramref name="payloads"/> (serialized events, in order).</summary>
    public static byte[] Pack(IReadOnlyList<byte[]> payloads)
    {
        if (payloads.Count == 1)
        {
            return payloads[0];
        }

        var size = 0;
        foreach (var payload in payloads)
        {
            size += CodedOutputStream.ComputeLengthSize(payload.Length) + payload.Length;
        }

        // Each as a length-delimited bytes value: a varint length, then the event (what ReadMessage reads back).
        var packed = new byte[size];
        var output = new CodedOutputStream(packed);
        foreach (var payload in payloads)
        {
            output.WriteBytes(UnsafeByteOperations.UnsafeWrap(payload));
        }

        output.CheckNoSpaceLeft();
        return packed;
    }

    /// <summary>The events of a row of <paramref name="count"/> events, in order.</summary>
    public static IEnumerable<ExecutionEvent> Unpack(byte[] payload, int count)
    {
        if (count == 1)
        {
            yield return ExecutionEvent.Parser.ParseFrom(payload);
            yield break;
        }

        var input = new CodedInputStream(payload);
        for (var i = 0; i < count; i++)
        {
            var @event = new ExecutionEvent();
            input.ReadMessage(@event);
            yield return @event;
        }
    }
}
