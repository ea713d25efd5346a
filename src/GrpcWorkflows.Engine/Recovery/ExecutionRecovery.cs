using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Committing;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Engine.Recovery;

/// <summary>
/// Finds the executions a previous process left unfinished and rebuilds each one's state by
/// folding its log; the engine then resumes them. One execution that cannot be recovered is
/// logged and marked FAILED in the store with the reason; it never stops the others.
/// </summary>
internal sealed class ExecutionRecovery
{
    /// <summary>How often a recovery read is tried while the store fails before the start fails (about 30 s of backoff).</summary>
    private const int MaxReadTries = 10;

    private readonly IExecutionStore _store;
    private readonly WorkflowDefinitionValidator _validator;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ExecutionRecovery(IExecutionStore store, WorkflowDefinitionValidator validator, TimeProvider time, ILogger logger)
    {
        _store = store;
        _validator = validator;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Loads every unfinished execution and hands it to <paramref name="resume"/>; returns how many
    /// were resumed. One that cannot be resumed is dropped with <paramref name="drop"/> and marked
    /// FAILED in the store with the reason, so that it neither holds an admission slot nor stops the next start.
    /// </summary>
    public async Task<int> RecoverAsync(Action<string, CompiledWorkflow, ExecutionStateFold> resume, Action<string> drop, CancellationToken cancellationToken)
    {
        var ids = await ReadAsync(() => _store.ListActiveAsync(cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
        var recovered = 0;
        foreach (var id in ids)
        {
            try
            {
                var fold = await ReadAsync(() => ExecutionLoader.LoadAsync(_store, id, cancellationToken), cancellationToken).ConfigureAwait(false);
                if (fold is null || fold.IsFinished)
                {
                    continue;
                }

                var compiled = _validator.Compile(fold.Execution.Definition)
                    ?? throw new InvalidOperationException($"The definition of execution '{id}' is not valid under the current limits.");
                resume(id, compiled, fold);
                recovered++;
            }
            catch (Exception e) when (e is not (OperationCanceledException or StoreUnavailableException))
            {
                Log.RecoveryFailed(_logger, id, e);
                drop(id);
                await MarkUnrecoverableAsync(id, e, cancellationToken).ConfigureAwait(false);
            }
        }

        return recovered;
    }

    /// <summary>
    /// A recovery read, retried with backoff while the store fails (<see cref="StoreUnavailableException"/>)
    /// up to <see cref="MaxReadTries"/> times; then the start fails rather than go on without an
    /// acknowledged execution.
    /// </summary>
    private async Task<T> ReadAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        var delay = StoreBackoff.First;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read().ConfigureAwait(false);
            }
            catch (StoreUnavailableException e) when (attempt < MaxReadTries)
            {
                Log.RecoveryReadRetry(_logger, attempt, delay, e);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = StoreBackoff.Next(delay);
            }
        }
    }

    /// <summary>Appends a FAILED finish event with the reason to the log of an execution recovery could not continue.</summary>
    private async Task MarkUnrecoverableAsync(string executionId, Exception cause, CancellationToken cancellationToken)
    {
        try
        {
            var record = await _store.GetAsync(executionId, cancellationToken).ConfigureAwait(false);
            if (record is null || ExecutionIndexFacts.IsTerminalState(record.State))
            {
                return;
            }

            var failed = new ExecutionEvent
            {
                ExecutionId = executionId,
                Sequence = record.LastSequence + 1,
                Time = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
                Finished = new ExecutionFinished
                {
                    State = ExecutionState.Failed,
                    Error = new StepError { Code = "INTERNAL", Message = $"the execution could not be recovered at start: {cause.Message}" },
                },
            };
            await _store.AppendAsync(executionId, [failed], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.UnrecoverableNotRecorded(_logger, executionId, e);
        }
    }
}
