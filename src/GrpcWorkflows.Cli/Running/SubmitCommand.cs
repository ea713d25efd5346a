using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Running;

/// <summary><c>gwf submit FILE</c>: submits a definition and prints the execution id.</summary>
public sealed class SubmitCommand : GwfCommand<WorkflowFileSettings>
{
    /// <summary>Prints a submission's answer.</summary>
    internal static void Print(SubmitWorkflowResponse response, OutputFormat format)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.WriteLine(response);
        }
        else
        {
            Console.Out.WriteLine(response.Existing ? $"{response.ExecutionId} (already submitted with this idempotency key)" : response.ExecutionId);
        }
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(WorkflowFileSettings settings, CancellationToken cancellationToken)
    {
        var stored = settings.Reference();
        var request = new SubmitWorkflowRequest
        {
            Definition = stored is null ? DefinitionFile.Load(settings.File) : null,
            WorkflowRef = stored,
            Input = InputParser.Parse(settings.InputFile, settings.Inputs),
            IdempotencyKey = settings.IdempotencyKey ?? string.Empty,
            Labels = { InputParser.ParseLabels(settings.Labels) },
        };
        using var client = Connect(settings);
        try
        {
            Print(await client.SubmitAsync(request, cancellationToken), settings.Output);
            return ExitCodes.Success;
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode is Grpc.Core.StatusCode.InvalidArgument or Grpc.Core.StatusCode.FailedPrecondition)
        {
            return ReportRpcError(e, stored is null ? settings.File : settings.Ref);
        }
    }
}
