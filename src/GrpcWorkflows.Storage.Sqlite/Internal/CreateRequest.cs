using GrpcWorkflows.Engine.Storage;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>Creates an execution: its row, its definition (shared by hash) and its first event.</summary>
internal sealed class CreateRequest : WriteRequest
{
    // Completed off the writer's thread, one batch's requests one after another: continuations run inline there.
    private readonly TaskCompletionSource<CreateExecutionResult> _done = new();
    private CreateExecutionResult? _result;

    public required string ExecutionId { get; init; }

    public required string WorkflowId { get; init; }

    public required string Namespace { get; init; }

    public required long CreateTimeTicks { get; init; }

    public required string? IdempotencyKey { get; init; }

    public required int StepCount { get; init; }

    public required byte[]? Labels { get; init; }

    public required byte[] DefinitionHash { get; init; }

    public required byte[] Definition { get; init; }

    public required byte[] EventPayload { get; init; }

    public Task<CreateExecutionResult> Task => _done.Task;

    public override int EventCount => 1;

    public override bool Write(SqliteWriter writer)
    {
        _result = writer.InsertExecution(this);
        return _result is not null;
    }

    public override void Committed()
    {
        if (_result is null)
        {
            _done.TrySetException(new SequenceConflictException(ExecutionId, expectedSequence: 0, actualSequence: 1));
        }
        else
        {
            _done.TrySetResult(_result);
        }
    }

    public override void Fail(Exception exception) => _done.TrySetException(exception);
}
