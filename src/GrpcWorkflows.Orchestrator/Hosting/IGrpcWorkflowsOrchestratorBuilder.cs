namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Returned by <c>AddGrpcWorkflowsOrchestrator</c>, to chain further orchestrator configuration.</summary>
public interface IGrpcWorkflowsOrchestratorBuilder
{
    /// <summary>The service collection.</summary>
    IServiceCollection Services { get; }
}
