using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Storage;

namespace GrpcWorkflows.Engine.Recovery;

/// <summary>Folds an execution's stored log: the state a live engine held when it appended the last event.</summary>
internal static class ExecutionLoader
{
    /// <summary>Folds every stored event; null when the execution does not exist.</summary>
    public static async Task<ExecutionStateFold?> LoadAsync(IExecutionStore store, string executionId, CancellationToken cancellationToken)
    {
        var fold = new ExecutionStateFold();
        var any = false;
        await foreach (var e in store.ReadEventsAsync(executionId, 1, cancellationToken).ConfigureAwait(false))
        {
            fold.Apply(e);
            any = true;
        }

        return any ? fold : null;
    }
}
