namespace GrpcWorkflows.Executor;

/// <summary>Names of the executor SDK's telemetry: subscribe to <see cref="ActivitySourceName"/> to trace step calls.</summary>
public static class Instrumentation
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name: one server Activity per <c>ExecuteStep</c> call.</summary>
    public const string ActivitySourceName = "GrpcWorkflows.Executor";

    /// <summary>Tag: the execution id.</summary>
    public const string ExecutionIdTag = "grpcworkflows.execution.id";

    /// <summary>Tag: the workflow id.</summary>
    public const string WorkflowIdTag = "grpcworkflows.workflow.id";

    /// <summary>Tag: the step id.</summary>
    public const string StepIdTag = "grpcworkflows.step.id";

    /// <summary>Tag: the step type.</summary>
    public const string StepTypeTag = "grpcworkflows.step.type";

    /// <summary>Tag: the attempt number.</summary>
    public const string AttemptTag = "grpcworkflows.step.attempt";

    /// <summary>Tag: the error code of a failed attempt.</summary>
    public const string ErrorCodeTag = "grpcworkflows.error.code";
}
