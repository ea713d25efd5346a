using System.Globalization;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;
using Spectre.Console;

namespace GrpcWorkflows.Cli.StoredWorkflows;

/// <summary><c>gwf workflow list</c>: the stored workflows of the namespace, their latest versions, by id.</summary>
public sealed class WorkflowListCommand : GwfCommand<WorkflowListSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(WorkflowListSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var all = new ListWorkflowsResponse();
        await foreach (var workflow in client.ListWorkflowsAsync(cancellationToken: cancellationToken))
        {
            all.Workflows.Add(workflow);
        }

        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(all);
            return ExitCodes.Success;
        }

        if (all.Workflows.Count == 0)
        {
            Console.Out.WriteLine("No stored workflows.");
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("workflow", "version", "steps", "registered", "description");
        foreach (var w in all.Workflows)
        {
            table.AddRow(
                new Text(w.WorkflowId),
                new Text(w.Version.ToString(CultureInfo.InvariantCulture)),
                new Text(w.StepCount.ToString(CultureInfo.InvariantCulture)),
                new Text(w.CreateTime?.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture) ?? string.Empty),
                new Text(w.Description));
        }

        AnsiConsole.Write(table);
        return ExitCodes.Success;
    }
}
