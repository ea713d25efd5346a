using Google.Protobuf;
using GrpcWorkflows.Cli.Embedded;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Validation;

/// <summary>
/// Validates a definition with the engine's own rules when no orchestrator is running, by starting
/// the orchestrator executable gwf carries for one <c>validate</c> command (no server, no store).
/// The one check it cannot make is whether an executor serves every step type.
/// </summary>
internal static class OfflineValidator
{
    public static async Task<ValidateWorkflowResponse> ValidateAsync(WorkflowDefinition definition, CancellationToken cancellationToken)
    {
        var result = await OrchestratorTool.RunAsync(["validate"], JsonFormatter.Default.Format(definition), cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new LocalClusterException($"The offline validation failed (exit {result.ExitCode}): {result.Error.Trim()}");
        }

        return ValidateWorkflowResponse.Parser.ParseJson(result.Output);
    }
}
