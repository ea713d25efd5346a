namespace GrpcWorkflows.V1;

/// <summary>
/// The tag (attribute) names every GrpcWorkflows component puts on its traces and metrics: the
/// orchestrator's engine and dispatcher, and executors built on the SDK. One set, so that a query
/// on <c>grpcworkflows.execution.id</c> finds the orchestrator's spans and the executor's alike.
/// </summary>
public static class TelemetryTags
{
    /// <summary>The execution id.</summary>
    public const string ExecutionId = "grpcworkflows.execution.id";

    /// <summary>The workflow id (the definition's <c>id</c>).</summary>
    public const string WorkflowId = "grpcworkflows.workflow.id";

    /// <summary>The step id.</summary>
    public const string StepId = "grpcworkflows.step.id";

    /// <summary>The step type.</summary>
    public const string StepType = "grpcworkflows.step.type";

    /// <summary>The attempt number, from 1.</summary>
    public const string Attempt = "grpcworkflows.step.attempt";

    /// <summary>The error code of a failed attempt (a gRPC status code name or an executor's own code).</summary>
    public const string ErrorCode = "grpcworkflows.error.code";

    /// <summary>The executor endpoint address (<c>http://host:port</c>).</summary>
    public const string ExecutorEndpoint = "grpcworkflows.executor.endpoint";
}
