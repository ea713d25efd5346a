using System.Runtime.CompilerServices;
using Grpc.Core;
using GrpcWorkflows.Client.Errors;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Internal;

/// <summary>
/// The one loop that reads a server stream of execution events (RunWorkflow's and WatchExecution's):
/// yields each event at or after <see cref="Next"/> once, in order, stops after the finished event,
/// and turns a broken transport into <see cref="Broken"/> so the caller can resume from <see cref="Next"/>.
/// </summary>
internal sealed class EventStream(long next)
{
    /// <summary>The sequence of the next event to deliver.</summary>
    public long Next { get; private set; } = Math.Max(next, 1);

    /// <summary>The execution the events belong to, once one arrived.</summary>
    public string? ExecutionId { get; private set; }

    /// <summary>True once the execution's finished event was delivered.</summary>
    public bool Finished { get; private set; }

    /// <summary>The transport failure that ended the last read; null when the server closed the stream.</summary>
    public RpcException? Broken { get; private set; }

    /// <summary>Reads <paramref name="stream"/> to its end, to the finished event, or to a transport failure.</summary>
    /// <param name="stream">The call's response stream.</param>
    /// <param name="eventOf">The event a response carries.</param>
    /// <param name="catchTransportFailure">False to let a transport failure propagate instead of recording it.</param>
    /// <param name="cancellationToken">Cancels the read; a failure after it propagates.</param>
    public async IAsyncEnumerable<ExecutionEvent> ReadAsync<TResponse>(
        IAsyncStreamReader<TResponse> stream,
        Func<TResponse, ExecutionEvent?> eventOf,
        bool catchTransportFailure,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Broken = null;
        while (true)
        {
            ExecutionEvent? current;
            try
            {
                if (!await stream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                current = eventOf(stream.Current);
            }
            catch (RpcException e) when (catchTransportFailure && !cancellationToken.IsCancellationRequested && e.IsTransportFailure())
            {
                Broken = e;
                yield break;
            }

            if (current is null || current.Sequence < Next)
            {
                // Already delivered before the stream was reopened.
                continue;
            }

            ExecutionId = current.ExecutionId;
            Next = current.Sequence + 1;
            Finished = current.KindCase == ExecutionEvent.KindOneofCase.Finished;
            yield return current;
            if (Finished)
            {
                yield break;
            }
        }
    }
}
