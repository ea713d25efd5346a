using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;

namespace GrpcWorkflows.Cli.Schedules;

/// <summary><c>gwf schedule pause ID</c>: no time fires until <c>gwf schedule resume</c>.</summary>
public sealed class SchedulePauseCommand : GwfCommand<SchedulePauseSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(SchedulePauseSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var schedule = await client.PauseScheduleAsync(settings.ScheduleId, settings.Note, cancellationToken: cancellationToken);
        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(schedule);
        }
        else
        {
            ScheduleText.Print(schedule);
        }

        return ExitCodes.Success;
    }
}
