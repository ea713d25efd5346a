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

    /// <summary>The lease's epoch the append is conditional on, or <see cref="Unfenced"/>.</summary>
    public long Epoch { get; init; } = Unfenced;

    /// <summary>The <see cref="Epoch"/> of an append made without a lease.</summary>
    public const long Unfenced = -1;

    /// <summary>Whether the writer already reloaded the execution's cached sequence once for this append.</summary>
    public bool Reloaded { get; set; }

    public Task Task => _done.Task;

    public void Complete() => _done.TrySetResult();

    public override void Fail(Exception exception) => _done.TrySetException(exception);
}
