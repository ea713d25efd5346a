using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.Cli.Running;
using Grpc.Core;

namespace GrpcWorkflows.Cli.StoredWorkflows;

/// <summary><c>gwf workflow register FILE</c>: stores a definition as the next version of its id.</summary>
public sealed class WorkflowRegisterCommand : GwfCommand<WorkflowRegisterSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(WorkflowRegisterSettings settings, CancellationToken cancellationToken)
    {
        var definition = DefinitionFile.Load(settings.File);
        using var client = Connect(settings);
        try
        {
            var registered = await client.RegisterWorkflowAsync(definition, cancellationToken: cancellationToken);
            if (settings.Output == OutputFormat.Json)
            {
                JsonOutput.WriteLine(registered);
            }
            else
            {
                var name = WorkflowReferenceText.Format(registered.Workflow.WorkflowId, registered.Workflow.Version);
                Console.Out.WriteLine(registered.Existing
                    ? $"{name}: unchanged (the latest version already holds this definition)"
                    : $"{name}: registered in namespace '{registered.Workflow.Namespace}'");
            }

            return ExitCodes.Success;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            return ReportRpcError(e, settings.File);
        }
    }
}
