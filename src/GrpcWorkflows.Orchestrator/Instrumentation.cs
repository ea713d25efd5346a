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

    /// <summary>Histogram: seconds to persist one batch of events.</summary>
    public const string StoreAppendDurationMetric = "grpcworkflows.store.append.duration";

    /// <summary>Histogram: events per store call.</summary>
    public const string StoreBatchSizeMetric = "grpcworkflows.store.append.batch_size";

    /// <summary>Counter: executions accepted.</summary>
    public const string ExecutionsStartedMetric = "grpcworkflows.executions.started";

    /// <summary>Counter: executions finished, by state.</summary>
    public const string ExecutionsFinishedMetric = "grpcworkflows.executions.finished";

    /// <summary>Histogram: seconds between READY and dispatch, by step type.</summary>
    public const string StepQueueWaitMetric = "grpcworkflows.step.queue_wait";

    /// <summary>Histogram: seconds from dispatch to result of an attempt, by step type and outcome.</summary>
    public const string AttemptDurationMetric = "grpcworkflows.step.attempt.duration";
}
