using GrpcWorkflows.Engine.Storage;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>Creates an execution: its row and its first (submitted) event.</summary>
internal sealed class CreateRequest : WriteRequest
{
    private readonly TaskCompletionSource<CreateExecutionResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The new execution's record: id, workflow, create time, idempotency key, step count, labels.</summary>
    public required ExecutionRecord Record { get; init; }

    public string ExecutionId => Record.ExecutionId;

    public string? IdempotencyKey => Record.IdempotencyKey;

    /// <summary>The merged labels as a JSON object, or null.</summary>
    public required string? Labels { get; init; }

    /// <summary>The serialized submitted event (with its definition).</summary>
    public required byte[] Payload { get; init; }

    /// <summary>The replica that owns the new execution at once (epoch 1), or null: nobody owns it.</summary>
    public string? Owner { get; init; }

    /// <summary>How long <see cref="Owner"/>'s lease lasts unless renewed.</summary>
    public TimeSpan LeaseDuration { get; init; }

    public Task<CreateExecutionResult> Task => _done.Task;

    public void Complete(CreateExecutionResult result) => _done.TrySetResult(result);

    public override void Fail(Exception exception) => _done.TrySetException(exception);
}
