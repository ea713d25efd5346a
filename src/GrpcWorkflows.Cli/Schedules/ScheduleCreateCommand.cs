using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Running;
using GrpcWorkflows.Cli.StoredWorkflows;
using GrpcWorkflows.V1;
using Grpc.Core;

namespace GrpcWorkflows.Cli.Schedules;

/// <summary><c>gwf schedule create ID --ref WORKFLOW --cron EXPR</c>: a stored workflow run at the times of a cron expression.</summary>
public sealed class ScheduleCreateCommand : GwfCommand<ScheduleCreateSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(ScheduleCreateSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Cron.Length == 0)
        {
            throw new UsageException("--cron is required: when to run, e.g. --cron \"0 9 * * MON-FRI\" or --cron @daily.");
        }

        var schedule = new Schedule
        {
            ScheduleId = settings.ScheduleId,
            WorkflowRef = WorkflowReferenceText.Parse(settings.Ref, "--ref"),
            Cron = settings.Cron,
            TimeZone = settings.TimeZone ?? string.Empty,
            Jitter = settings.Jitter is null ? null : ScheduleText.Span(settings.Jitter, "--jitter"),
            StartTime = settings.Start is null ? null : ScheduleText.Time(settings.Start, "--start"),
            EndTime = settings.End is null ? null : ScheduleText.Time(settings.End, "--end"),
            OverlapPolicy = ScheduleText.Overlap(settings.Overlap),
            CatchUpWindow = settings.CatchUpWindow is null ? null : ScheduleText.Span(settings.CatchUpWindow, "--catch-up-window"),
            CatchUp = ScheduleText.CatchUp(settings.CatchUp),
            Input = InputParser.Parse(settings.InputFile, settings.Inputs),
            Paused = settings.Paused,
        };
        schedule.Labels.Add(InputParser.ParseLabels(settings.Labels));
        using var client = Connect(settings);
        try
        {
            var created = await client.CreateScheduleAsync(schedule, cancellationToken: cancellationToken);
            return ScheduleText.Show(created, settings.Output);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            return ReportRpcError(e, null);
        }
    }
}
