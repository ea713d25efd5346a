using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.Cli.Running;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;
using Spectre.Console;

namespace GrpcWorkflows.Cli.Inspecting;

/// <summary><c>gwf list</c>: executions, newest first, optionally filtered by state, workflow, labels and age.</summary>
public sealed class ListCommand : GwfCommand<ListSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(ListSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var request = new ListExecutionsRequest { PageSize = Math.Min(settings.Limit, 1000), WorkflowId = settings.WorkflowId ?? string.Empty };
        request.States.Add(settings.States.Select(s => Names.ParseExecutionState(s)!.Value).Distinct());
        request.Labels.Add(InputParser.ParseLabels(settings.Labels));
        if (settings.Since is not null)
        {
            request.CreatedAfter = Timestamp.FromDateTimeOffset(SinceParser.Parse(settings.Since, DateTimeOffset.UtcNow)!.Value);
        }

        var page = new ListExecutionsResponse();
        await foreach (var summary in client.ListAllAsync(request, cancellationToken))
        {
            page.Executions.Add(summary);
            if (page.Executions.Count == settings.Limit)
            {
                break;
            }
        }

        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(page);
            return ExitCodes.Success;
        }

        if (page.Executions.Count == 0)
        {
            Console.Out.WriteLine("No executions.");
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("execution", "workflow", "state", "steps", "created", "ended", "labels");
        foreach (var e in page.Executions)
        {
            table.AddRow(
                new Text(e.ExecutionId),
                new Text(e.WorkflowId),
                new Text(Names.Of(e.State)),
                new Text($"{e.SucceededStepCount}/{e.StepCount}"),
                new Text(e.CreateTime?.ToDateTimeOffset().ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty),
                new Text(e.EndTime?.ToDateTimeOffset().ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty),
                new Text(string.Join(", ", e.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))));
        }

        AnsiConsole.Write(table);
        return ExitCodes.Success;
    }
}
