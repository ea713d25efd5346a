using System.Diagnostics.Metrics;

namespace GrpcWorkflows.Engine.Scheduling;

/// <summary>The engine's instruments (see <see cref="Instrumentation"/> for the names).</summary>
internal sealed class EngineMetrics : IDisposable
{
    private readonly Meter _meter;

    public EngineMetrics(IMeterFactory factory, Func<int> readyDepth, Func<int> activeExecutions)
    {
        _meter = factory.Create(Instrumentation.MeterName);

        Started = _meter.CreateCounter<long>(Instrumentation.StepsStartedMetric, "{attempt}", "Step attempts started.");
        Succeeded = _meter.CreateCounter<long>(Instrumentation.StepsSucceededMetric, "{step}", "Steps that succeeded.");
        Failed = _meter.CreateCounter<long>(Instrumentation.StepsFailedMetric, "{step}", "Steps that failed terminally.");
        Retried = _meter.CreateCounter<long>(Instrumentation.StepsRetriedMetric, "{attempt}", "Retries scheduled after a failed attempt.");
        Duration = _meter.CreateHistogram<double>(Instrumentation.StepDurationMetric, "s", "Duration of step attempts.");
        _meter.CreateObservableGauge(Instrumentation.ReadyQueueDepthMetric, readyDepth, "{step}", "READY steps waiting for capacity.");
        _meter.CreateObservableGauge(Instrumentation.ActiveExecutionsMetric, activeExecutions, "{execution}", "Executions not finished.");
    }

    public Counter<long> Started { get; }

    public Counter<long> Succeeded { get; }

    public Counter<long> Failed { get; }

    public Counter<long> Retried { get; }

    public Histogram<double> Duration { get; }

    /// <summary>The factory owns the meter; disposing the engine leaves it to the factory.</summary>
    public void Dispose()
    {
    }
}
