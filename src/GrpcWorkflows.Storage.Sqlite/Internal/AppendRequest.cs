using GrpcWorkflows.V1;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>Appends events to one execution's log.</summary>
internal sealed class AppendRequest : WriteRequest
{
    // Completed off the writer's thread, one batch's requests one after another: continuations run inline there.
    private readonly TaskCompletionSource _done = new();
    private Exception? _refusal;

    public required string ExecutionId { get; init; }

    public required IReadOnlyList<ExecutionEvent> Events { get; init; }

    /// <summary>The serialized events, made by the caller so the writer only binds them.</summary>
    public required byte[][] Payloads { get; init; }

    public Task Task => _done.Task;

    public override int EventCount => Payloads.Length;

    public override bool Write(SqliteWriter writer)
    {
        try
        {
            writer.AppendEvents(this);
            return true;
        }
        catch (Exception exception) when (exception is Engine.Storage.SequenceConflictException or Engine.ExecutionNotFoundException)
        {
            _refusal = exception;
            return false;
        }
    }

    public override void Committed()
    {
        if (_refusal is null)
        {
            _done.TrySetResult();
        }
        else
        {
            _done.TrySetException(_refusal);
        }
    }

    public override void Fail(Exception exception) => _done.TrySetException(exception);
}
