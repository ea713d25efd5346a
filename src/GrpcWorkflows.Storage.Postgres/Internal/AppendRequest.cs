using GrpcWorkflows.V1;

namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>Appends events to one execution's log.</summary>
internal sealed class AppendRequest : WriteRequest
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public required string ExecutionId { get; init; }

    public required IReadOnlyList<ExecutionEvent> Events { get; init; }

    /// <summary>The serialized events, made by the caller so the writer only binds them.</summary>
    public required byte[][] Payloads { get; init; }

    public Task Task => _done.Task;

    public void Complete() => _done.TrySetResult();

    public override void Fail(Exception exception) => _done.TrySetException(exception);
}
