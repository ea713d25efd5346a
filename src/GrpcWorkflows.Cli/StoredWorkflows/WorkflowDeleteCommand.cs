using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.StoredWorkflows;

/// <summary><c>gwf workflow delete ID</c>: no new runs of a stored workflow; its versions and executions stay.</summary>
public sealed class WorkflowDeleteCommand : GwfCommand<WorkflowIdSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(WorkflowIdSettings settings, CancellationToken cancellationToken)
    {
        var reference = WorkflowReferenceText.Parse(settings.Workflow, "ID");
        if (reference.Version != 0)
        {
            throw new UsageException("delete removes a whole workflow, not one version: give its id without @VERSION.");
        }

        using var client = Connect(settings);
        var versions = await client.DeleteWorkflowAsync(reference.Id, cancellationToken: cancellationToken);
        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(new DeleteWorkflowResponse { Versions = versions });
        }
        else
        {
            Console.Out.WriteLine($"{reference.Id}: deleted; no new runs. Its {versions} version(s) stay stored for the executions that ran them.");
        }

        return ExitCodes.Success;
    }
}
