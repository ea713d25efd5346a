namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>Deletes up to <see cref="Limit"/> finished executions in one transaction.</summary>
internal sealed class PurgeRequest : WriteRequest
{
    private readonly TaskCompletionSource<int> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _deleted;

    public required long EndedBeforeTicks { get; init; }

    public required int? KeepAtMost { get; init; }

    public required int Limit { get; init; }

    public Task<int> Task => _done.Task;

    public override int EventCount => 0;

    public override bool Write(SqliteWriter writer)
    {
        _deleted = writer.Purge(this);
        return true;
    }

    public override void Committed() => _done.TrySetResult(_deleted);

    public override void Fail(Exception exception) => _done.TrySetException(exception);
}
