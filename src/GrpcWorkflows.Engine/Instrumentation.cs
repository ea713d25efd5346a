namespace GrpcWorkflows.Engine;

/// <summary>Names of the engine's OpenTelemetry sources and metrics; the tag names are <see cref="V1.TelemetryTags"/>.</summary>
/// <remarks>
/// The engine starts an <see cref="System.Diagnostics.Activity"/> per execution, per step and per
/// attempt; the dispatcher call runs inside the attempt's activity so that a gRPC client
/// propagates its trace context to the executor.
/// </remarks>
public static class Instrumentation
{
    /// <summary>The name of the engine's <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "GrpcWorkflows.Engine";

    /// <summary>The name of the engine's <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "GrpcWorkflows.Engine";

    /// <summary>Counter of step attempts started.</summary>
    public const string StepsStartedMetric = "grpcworkflows.steps.started";

    /// <summary>Counter of steps that succeeded.</summary>
    public const string StepsSucceededMetric = "grpcworkflows.steps.succeeded";

    /// <summary>Counter of steps that failed terminally.</summary>
    public const string StepsFailedMetric = "grpcworkflows.steps.failed";

    /// <summary>Counter of retries scheduled.</summary>
    public const string StepsRetriedMetric = "grpcworkflows.steps.retried";

    /// <summary>Histogram of step attempt durations, in seconds.</summary>
    public const string StepDurationMetric = "grpcworkflows.step.duration";

    /// <summary>Gauge of READY steps waiting for capacity.</summary>
    public const string ReadyQueueDepthMetric = "grpcworkflows.ready_queue.depth";

    /// <summary>Gauge of executions that are not finished.</summary>
    public const string ActiveExecutionsMetric = "grpcworkflows.executions.active";
}
