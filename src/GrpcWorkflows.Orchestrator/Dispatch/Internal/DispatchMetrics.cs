using System.Diagnostics.Metrics;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Dispatch.Internal;

/// <summary>The dispatcher's metrics, on a meter from <see cref="IMeterFactory"/> (no-ops without one).</summary>
internal sealed class DispatchMetrics
{
    private readonly Counter<long>? _failovers;
    private readonly Counter<long>? _circuitOpened;

    public DispatchMetrics(IMeterFactory? meterFactory, ExecutorRegistry registry)
    {
        if (meterFactory is null)
        {
            return;
        }

        var meter = meterFactory.Create(Instrumentation.MeterName);
        _failovers = meter.CreateCounter<long>(Instrumentation.FailoversMetric, description: "Attempts moved to another replica after a transport failure.");
        _circuitOpened = meter.CreateCounter<long>(Instrumentation.CircuitOpenedMetric, description: "Times an executor endpoint's circuit opened.");
        meter.CreateObservableGauge(
            Instrumentation.InFlightMetric,
            () => registry.List().Select(e => new Measurement<int>(e.InFlight, new KeyValuePair<string, object?>(TelemetryTags.ExecutorEndpoint, e.Endpoint))),
            description: "Calls in flight per executor endpoint.");
    }

    public void Failover(string endpoint) => _failovers?.Add(1, new KeyValuePair<string, object?>(TelemetryTags.ExecutorEndpoint, endpoint));

    public void CircuitOpened(string endpoint) => _circuitOpened?.Add(1, new KeyValuePair<string, object?>(TelemetryTags.ExecutorEndpoint, endpoint));
}
