using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;
using Spectre.Console;

namespace GrpcWorkflows.Cli.Schedules;

/// <summary><c>gwf schedule list</c>: the schedules of the namespace, by id, with their next times.</summary>
public sealed class ScheduleListCommand : GwfCommand<ScheduleListSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(ScheduleListSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var all = new ListSchedulesResponse();
        await foreach (var schedule in client.ListSchedulesAsync(cancellationToken: cancellationToken))
        {
            all.Schedules.Add(schedule);
        }

        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(all);
            return ExitCodes.Success;
        }

        if (all.Schedules.Count == 0)
        {
            Console.Out.WriteLine("No schedules.");
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("schedule", "workflow", "cron", "next", "last", "fired", "state");
        foreach (var s in all.Schedules)
        {
            table.AddRow(
                new Text(s.ScheduleId),
                new Text(s.WorkflowRef.Version > 0 ? $"{s.WorkflowRef.Id}@{s.WorkflowRef.Version}" : s.WorkflowRef.Id),
                new Text(s.TimeZone.Length > 0 ? $"{s.Cron} ({s.TimeZone})" : s.Cron),
                new Text(ScheduleText.At(s.State?.NextFireTime)),
                new Text(ScheduleText.At(s.State?.LastFireTime)),
                new Text((s.State?.FiredCount ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Text(s.Paused ? "paused" : "active"));
        }

        AnsiConsole.Write(table);
        return ExitCodes.Success;
    }
}
