using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Dispatch;

/// <summary>One attempt of one step, as handed to an <see cref="IStepDispatcher"/>.</summary>
/// <param name="Request">The executor request: ids, attempt, idempotency key, resolved input, dependency outputs.</param>
/// <param name="Timeout">The attempt's time limit.</param>
public sealed record StepAttemptRequest(ExecuteStepRequest Request, TimeSpan Timeout)
{
    /// <summary>The secret values resolved into the input: the engine redacts them from the attempt's output and error before recording them; a dispatcher must not log them.</summary>
    public IReadOnlyList<string> SecretValues { get; init; } = [];

    /// <summary>The namespace of the step's execution: a dispatcher sends the attempt only to an executor that serves it.</summary>
    public string Namespace { get; init; } = Namespaces.ExecutionNamespace.Default;
}
