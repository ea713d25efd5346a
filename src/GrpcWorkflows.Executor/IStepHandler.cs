using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Executor;

/// <summary>
/// Executes one attempt of a step of the type it is registered for. Register it with
/// <c>services.AddGrpcWorkflowsExecutor().AddStepHandler&lt;THandler&gt;("my_type")</c>.
/// </summary>
/// <remarks>
/// The handler is resolved from the call's service scope, once per call. It reports failure by throwing:
/// <see cref="StepFailedException"/> for a failure with an explicit code and retry decision; a
/// <see cref="TimeoutException"/>, <see cref="HttpRequestException"/> or <see cref="IOException"/> becomes a
/// retryable <c>UNAVAILABLE</c> error; any other exception a non-retryable <c>INTERNAL</c> error (its stack trace is
/// logged, never sent). The <c>cancellationToken</c> fires when the orchestrator cancels the call or its deadline passes.
/// </remarks>
public interface IStepHandler
{
    /// <summary>Executes the step and returns its output.</summary>
    /// <param name="context">The attempt: its input, its dependencies' outputs and its identity.</param>
    /// <param name="cancellationToken">Fires when the call is cancelled or its deadline passes.</param>
    /// <returns>The step's output.</returns>
    ValueTask<Struct> ExecuteAsync(StepContext context, CancellationToken cancellationToken);
}
