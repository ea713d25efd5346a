namespace GrpcWorkflows.Engine.Dispatching;

/// <summary>Attempts of one step type decided but not yet handed to the dispatcher (their start event is being persisted).</summary>
internal sealed class InTransitCounter
{
    public int Value;
}
