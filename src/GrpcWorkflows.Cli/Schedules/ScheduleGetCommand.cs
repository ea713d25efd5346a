using GrpcWorkflows.Cli.Commands;

namespace GrpcWorkflows.Cli.Schedules;

/// <summary><c>gwf schedule get ID</c>: a schedule, its next and last times, what runs, its counts.</summary>
public sealed class ScheduleGetCommand : GwfCommand<ScheduleIdSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(ScheduleIdSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var schedule = await client.GetScheduleAsync(settings.ScheduleId, cancellationToken: cancellationToken);
        return ScheduleText.Show(schedule, settings.Output);
    }
}
