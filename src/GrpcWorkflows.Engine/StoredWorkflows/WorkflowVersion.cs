using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.StoredWorkflows;

/// <summary>One immutable version of a stored workflow.</summary>
/// <param name="Namespace">The namespace it is stored in.</param>
/// <param name="WorkflowId">The workflow's id (the definition's <c>id</c>).</param>
/// <param name="Version">The version, from 1.</param>
/// <param name="Definition">The definition of this version; callers must not modify it.</param>
/// <param name="CreateTime">When this version was registered.</param>
/// <param name="LatestVersion">The workflow's latest version when this was read.</param>
public sealed record WorkflowVersion(string Namespace, string WorkflowId, int Version, WorkflowDefinition Definition, DateTimeOffset CreateTime, int LatestVersion);

/// <summary>The answer of <see cref="IWorkflowStore.RegisterWorkflowAsync"/>.</summary>
/// <param name="Workflow">The stored version.</param>
/// <param name="Existing">True when the latest version already held an equal definition (nothing was written).</param>
public sealed record RegisteredWorkflow(WorkflowVersion Workflow, bool Existing);

/// <summary>A page of <see cref="IWorkflowStore.ListWorkflowsAsync"/>.</summary>
/// <param name="Items">The latest versions, by workflow id.</param>
/// <param name="NextPageToken">The token of the next page, or null on the last page.</param>
public sealed record WorkflowVersionPage(IReadOnlyList<WorkflowVersion> Items, string? NextPageToken);
