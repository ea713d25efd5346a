using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Dispatch;

/// <summary>One attempt of one step, as handed to an <see cref="IStepDispatcher"/>.</summary>
/// <param name="Request">The executor request: ids, attempt, idempotency key, resolved input, dependency outputs.</param>
/// <param name="Timeout">The attempt's time limit.</param>
public sealed record StepAttemptRequest(ExecuteStepRequest Request, TimeSpan Timeout);
