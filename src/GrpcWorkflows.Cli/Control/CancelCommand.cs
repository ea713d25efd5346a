using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Control;

/// <summary><c>gwf cancel ID</c>: cancels an execution (in-flight attempts are cancelled at their executors).</summary>
public sealed class CancelCommand : GwfCommand<CancelSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(CancelSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var id = await ResolveExecutionIdAsync(client, settings.ExecutionId, cancellationToken);
        var state = await client.CancelAsync(id, settings.Reason ?? "cancelled with gwf cancel", cancellationToken);
        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(new CancelExecutionResponse { State = state });
        }
        else
        {
            Console.Out.WriteLine(state == ExecutionState.Cancelled
                ? $"Execution {id}: CANCELLED"
                : $"Execution {id} had already finished: {Names.Of(state)}");
        }

        return ExitCodes.Success;
    }
}
