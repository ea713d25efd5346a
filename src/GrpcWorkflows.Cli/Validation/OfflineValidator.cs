using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Validation;

/// <summary>
/// Validates a definition with the engine's own rules, in process, when no orchestrator is running.
/// The one check it cannot make is whether an executor serves every step type.
/// </summary>
internal static class OfflineValidator
{
    private static readonly WorkflowDefinitionValidator Validator = new();

    public static Task<ValidateWorkflowResponse> ValidateAsync(WorkflowDefinition definition)
    {
        var result = Validator.Validate(definition);
        var response = new ValidateWorkflowResponse { Valid = result.Problems.Count == 0 };
        response.Problems.Add(result.Problems);
        if (response.Valid && result.Plan is not null)
        {
            response.Plan = result.Plan;
        }

        return Task.FromResult(response);
    }
}
