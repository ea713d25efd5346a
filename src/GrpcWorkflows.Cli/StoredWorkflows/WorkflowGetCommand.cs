using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;

namespace GrpcWorkflows.Cli.StoredWorkflows;

/// <summary><c>gwf workflow get ID[@VERSION]</c>: one stored version and its definition.</summary>
public sealed class WorkflowGetCommand : GwfCommand<WorkflowIdSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(WorkflowIdSettings settings, CancellationToken cancellationToken)
    {
        var reference = WorkflowReferenceText.Parse(settings.Workflow, "ID");
        using var client = Connect(settings);
        var found = await client.GetWorkflowAsync(reference.Id, reference.Version, cancellationToken: cancellationToken);
        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(found);
            return ExitCodes.Success;
        }

        var w = found.Workflow;
        Console.Out.WriteLine($"{WorkflowReferenceText.Format(w.WorkflowId, w.Version)} (latest: {found.LatestVersion}), namespace '{w.Namespace}', registered {w.CreateTime?.ToDateTimeOffset().ToString("u", System.Globalization.CultureInfo.InvariantCulture)}");
        Console.Out.WriteLine(JsonOutput.Pretty(w.Definition));
        return ExitCodes.Success;
    }
}
