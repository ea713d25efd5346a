using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.Cli.Watching;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Control;

/// <summary><c>gwf retry ID</c>: runs a failed or cancelled execution's failed, skipped and cancelled steps again.</summary>
public sealed class RetryCommand : GwfCommand<RetrySettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(RetrySettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var id = await ResolveExecutionIdAsync(client, settings.ExecutionId, cancellationToken);
        var before = await client.GetAsync(id, cancellationToken);
        var steps = await client.RetryAsync(id, cancellationToken);
        if (!settings.Watch)
        {
            if (settings.Output == OutputFormat.Json)
            {
                JsonOutput.WriteLine(new RetryExecutionResponse { StepIds = { steps } });
            }
            else
            {
                Console.Out.WriteLine($"Execution {id}: running again {string.Join(", ", steps)} (follow with: gwf watch {id} --from-sequence {before.LastSequence + 1})");
            }

            return ExitCodes.Success;
        }

        var progress = new ExecutionProgress();
        progress.Seed(before);
        await ProgressDisplay.FollowAsync(client.WatchAsync(id, before.LastSequence + 1, cancellationToken), progress, settings.Output, cancellationToken);
        return progress.Finished?.State == ExecutionState.Succeeded ? ExitCodes.Success : ExitCodes.ExecutionFailed;
    }
}
