using GrpcWorkflows.Cli.Commands;

namespace GrpcWorkflows.Cli.Schedules;

/// <summary><c>gwf schedule pause ID</c>: no time fires until <c>gwf schedule resume</c>.</summary>
public sealed class SchedulePauseCommand : GwfCommand<SchedulePauseSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(SchedulePauseSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var schedule = await client.PauseScheduleAsync(settings.ScheduleId, settings.Note, cancellationToken: cancellationToken);
        return ScheduleText.Show(schedule, settings.Output);
    }
}
