using GrpcWorkflows.Cli.Commands;

namespace GrpcWorkflows.Cli.Schedules;

/// <summary><c>gwf schedule resume ID</c>: fires again from the next time after now.</summary>
public sealed class ScheduleResumeCommand : GwfCommand<ScheduleIdSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(ScheduleIdSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var schedule = await client.ResumeScheduleAsync(settings.ScheduleId, cancellationToken: cancellationToken);
        return ScheduleText.Show(schedule, settings.Output);
    }
}
