using GrpcWorkflows.Engine.StoredWorkflows;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>The in-memory store also keeps stored workflow definitions, beside the executions.</summary>
public sealed partial class InMemoryExecutionStore : IWorkflowStore
{
    private readonly InMemoryWorkflowStore _workflows = new();

    /// <inheritdoc />
    public ValueTask<RegisteredWorkflow> RegisterWorkflowAsync(string workflowNamespace, WorkflowDefinition definition, DateTimeOffset now, CancellationToken cancellationToken = default)
        => _workflows.RegisterWorkflowAsync(workflowNamespace, definition, now, cancellationToken);

    /// <inheritdoc />
    public ValueTask<WorkflowVersion?> GetWorkflowAsync(string workflowNamespace, string workflowId, int version, CancellationToken cancellationToken = default)
        => _workflows.GetWorkflowAsync(workflowNamespace, workflowId, version, cancellationToken);

    /// <inheritdoc />
    public ValueTask<WorkflowVersionPage> ListWorkflowsAsync(string workflowNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
        => _workflows.ListWorkflowsAsync(workflowNamespace, pageSize, pageToken, cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> DeleteWorkflowAsync(string workflowNamespace, string workflowId, CancellationToken cancellationToken = default)
        => _workflows.DeleteWorkflowAsync(workflowNamespace, workflowId, cancellationToken);
}
