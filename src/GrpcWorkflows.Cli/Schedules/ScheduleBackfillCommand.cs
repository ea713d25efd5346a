using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;
using Grpc.Core;

namespace GrpcWorkflows.Cli.Schedules;

/// <summary><c>gwf schedule backfill ID --from TIME --to TIME</c>: one run per scheduled time of the range, each time at most once.</summary>
public sealed class ScheduleBackfillCommand : GwfCommand<ScheduleBackfillSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(ScheduleBackfillSettings settings, CancellationToken cancellationToken)
    {
        var from = ScheduleText.Time(settings.From, "--from").ToDateTimeOffset();
        var to = ScheduleText.Time(settings.To, "--to").ToDateTimeOffset();
        using var client = Connect(settings);
        try
        {
            var runs = await client.BackfillScheduleAsync(settings.ScheduleId, from, to, cancellationToken: cancellationToken);
            if (settings.Output == OutputFormat.Json)
            {
                var response = new BackfillScheduleResponse();
                response.Runs.Add(runs);
                JsonOutput.WriteLine(response);
                return ExitCodes.Success;
            }

            foreach (var run in runs)
            {
                Console.Out.WriteLine($"{ScheduleText.At(run.ScheduleTime)}  {run.ExecutionId}{(run.Existing ? "  (started before)" : string.Empty)}");
            }

            Console.Out.WriteLine($"{runs.Count} scheduled time(s), {runs.Count(r => !r.Existing)} new execution(s).");
            return ExitCodes.Success;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            return ReportRpcError(e, null);
        }
    }
}
