using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.StoredWorkflows;

/// <summary>
/// Durable home of stored workflow definitions: per namespace and workflow id, a list of immutable
/// versions numbered from 1. Implemented by every execution store (memory, SQLite, PostgreSQL), so
/// definitions live beside the executions that run them.
/// </summary>
/// <remarks>
/// Thread-safe. Two registrations of one workflow at the same time get two different versions (or
/// the same one when their definitions are identical). Version numbers are never reused, not even
/// after <see cref="DeleteWorkflowAsync"/>.
/// </remarks>
public interface IWorkflowStore
{
    /// <summary>
    /// Stores <paramref name="definition"/> under its id as the next version, unless the latest
    /// version (of a workflow that is not deleted) holds an equal definition: then that version is
    /// returned with <see cref="RegisteredWorkflow.Existing"/> set and nothing is written.
    /// Registering a deleted workflow's id again makes it visible again with a new version.
    /// </summary>
    ValueTask<RegisteredWorkflow> RegisterWorkflowAsync(string workflowNamespace, WorkflowDefinition definition, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns one version (the latest when <paramref name="version"/> is 0), or null when the
    /// workflow is unknown or deleted, or has no such version.
    /// </summary>
    ValueTask<WorkflowVersion?> GetWorkflowAsync(string workflowNamespace, string workflowId, int version, CancellationToken cancellationToken = default);

    /// <summary>Lists the latest version of every workflow of a namespace that is not deleted, by id (ordinal), in pages.</summary>
    /// <exception cref="ArgumentException">The page token was not made by a listing of this namespace.</exception>
    ValueTask<WorkflowVersionPage> ListWorkflowsAsync(string workflowNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a workflow: it is no longer returned nor listed; its versions stay stored. Returns the
    /// number of versions it had, or 0 when it is unknown or already deleted.
    /// </summary>
    ValueTask<int> DeleteWorkflowAsync(string workflowNamespace, string workflowId, CancellationToken cancellationToken = default);
}
