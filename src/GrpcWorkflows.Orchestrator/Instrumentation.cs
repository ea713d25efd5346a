namespace GrpcWorkflows.Orchestrator;

/// <summary>Names of the orchestrator's own metrics (the engine's are in <c>GrpcWorkflows.Engine.Instrumentation</c>; the tag names are <see cref="V1.TelemetryTags"/>).</summary>
public static class Instrumentation
{
    /// <summary>The name of the orchestrator's <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "GrpcWorkflows.Orchestrator";

    /// <summary>Gauge: calls in flight per executor endpoint.</summary>
    public const string InFlightMetric = "grpcworkflows.executor.in_flight";

    /// <summary>Counter: attempts moved to another replica after a transport failure.</summary>
    public const string FailoversMetric = "grpcworkflows.dispatch.failovers";

    /// <summary>Counter: times an endpoint's circuit opened.</summary>
    public const string CircuitOpenedMetric = "grpcworkflows.executor.circuit_opened";
}
