using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Watching;

/// <summary><c>gwf watch ID</c>: replays an execution's events from a sequence, then follows the live ones until it ends.</summary>
public sealed class WatchCommand : GwfCommand<WatchSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(WatchSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var id = await ResolveExecutionIdAsync(client, settings.ExecutionId, cancellationToken);
        var execution = await client.GetAsync(id, cancellationToken);
        var progress = new ExecutionProgress();
        progress.Seed(execution);
        if (settings.FromSequence <= 1)
        {
            // The replay starts from the first event: show the steps as they were then.
            progress = new ExecutionProgress();
        }

        await ProgressDisplay.FollowAsync(client.WatchAsync(id, settings.FromSequence, cancellationToken), progress, settings.Output, cancellationToken);
        var state = progress.Finished?.State ?? (await client.GetAsync(id, cancellationToken)).State;
        return state switch
        {
            ExecutionState.Succeeded => ExitCodes.Success,
            ExecutionState.Failed or ExecutionState.Cancelled => ExitCodes.ExecutionFailed,
            _ => ExitCodes.Success,
        };
    }
}
