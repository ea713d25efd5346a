using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Cli.Validation;

/// <summary>
/// Validates a definition with the engine's own rules, in process, when no orchestrator is running.
/// The one check it cannot make is whether an executor serves every step type.
/// </summary>
internal static class OfflineValidator
{
    public static async Task<ValidateWorkflowResponse> ValidateAsync(WorkflowDefinition definition)
    {
        await using var engine = new WorkflowEngine(new InMemoryExecutionStore(), NoExecutors.Instance, Options.Create(new EngineOptions()), TimeProvider.System, NullLoggerFactory.Instance);
        var result = engine.Validate(definition);
        var response = new ValidateWorkflowResponse { Valid = result.Problems.Count == 0 };
        response.Problems.Add(result.Problems);
        if (response.Valid && result.Plan is not null)
        {
            response.Plan = result.Plan;
        }

        return response;
    }

    private sealed class NoExecutors : IStepDispatcher
    {
        public static readonly NoExecutors Instance = new();

        public event EventHandler? CapacityAvailable
        {
            add { }
            remove { }
        }

        public bool HasCapacity(string stepType) => false;

        public ValueTask<StepAttemptResult> DispatchAsync(StepAttemptRequest request, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("Offline validation runs nothing.");
    }
}
