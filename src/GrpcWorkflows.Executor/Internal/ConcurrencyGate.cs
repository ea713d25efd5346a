namespace GrpcWorkflows.Executor.Internal;

/// <summary>Counts <c>ExecuteStep</c> calls in flight and refuses those beyond the limit (no queue: the orchestrator queues).</summary>
internal sealed class ConcurrencyGate
{
    private int _inFlight;

    public int InFlight => Volatile.Read(ref _inFlight);

    public bool TryEnter(int limit)
    {
        if (Interlocked.Increment(ref _inFlight) <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);
}
