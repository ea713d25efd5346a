using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Validation;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Engine.Recovery;

/// <summary>
/// Finds the executions a previous process left unfinished and rebuilds each one's state by
/// folding its log; the engine then resumes them. One execution that cannot be recovered is
/// logged and left in the store; it never stops the others.
/// </summary>
internal sealed class ExecutionRecovery
{
    private readonly IExecutionStore _store;
    private readonly WorkflowDefinitionValidator _validator;
    private readonly ILogger _logger;

    public ExecutionRecovery(IExecutionStore store, WorkflowDefinitionValidator validator, ILogger logger)
    {
        _store = store;
        _validator = validator;
        _logger = logger;
    }

    /// <summary>Loads every unfinished execution and hands it to <paramref name="resume"/>; returns how many were resumed.</summary>
    public async Task<int> RecoverAsync(Action<string, CompiledWorkflow, ExecutionStateFold> resume, CancellationToken cancellationToken)
    {
        var ids = await _store.ListActiveAsync(cancellationToken).ConfigureAwait(false);
        var recovered = 0;
        foreach (var id in ids)
        {
            try
            {
                var fold = await ExecutionLoader.LoadAsync(_store, id, cancellationToken).ConfigureAwait(false);
                if (fold is null || fold.IsFinished)
                {
                    continue;
                }

                var compiled = _validator.Compile(fold.Execution.Definition)
                    ?? throw new InvalidOperationException($"The definition of execution '{id}' is not valid under the current limits.");
                resume(id, compiled, fold);
                recovered++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.RecoveryFailed(_logger, id, e);
            }
        }

        return recovered;
    }
}
