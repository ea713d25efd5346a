using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Schedules;

/// <summary><c>gwf schedule delete ID</c>: no time fires any more; the executions it started stay.</summary>
public sealed class ScheduleDeleteCommand : GwfCommand<ScheduleIdSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(ScheduleIdSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        await client.DeleteScheduleAsync(settings.ScheduleId, cancellationToken: cancellationToken);
        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(new DeleteScheduleResponse());
        }
        else
        {
            Console.Out.WriteLine($"{settings.ScheduleId}: deleted; the executions it started stay.");
        }

        return ExitCodes.Success;
    }
}
