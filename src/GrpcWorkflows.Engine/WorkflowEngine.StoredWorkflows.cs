using GrpcWorkflows.Engine.StoredWorkflows;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>Stored, versioned workflow definitions: register, read, list, delete, and resolve a reference to run.</summary>
public sealed partial class WorkflowEngine
{
    /// <summary>The store of workflow definitions, or null when the execution store keeps none.</summary>
    private IWorkflowStore Workflows => _workflows ?? throw new InvalidOperationException("The execution store keeps no workflow definitions (it does not implement IWorkflowStore).");

    /// <summary>
    /// Checks a definition as a submission would (every problem by field path; unserved step types
    /// are allowed: executors may register later) and stores it as the next version of its id, or
    /// returns the latest version when that one holds an equal definition.
    /// </summary>
    /// <exception cref="WorkflowValidationException">The definition is not valid.</exception>
    public async Task<RegisteredWorkflow> RegisterWorkflowAsync(string workflowNamespace, WorkflowDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowNamespace);
        ArgumentNullException.ThrowIfNull(definition);
        var result = _validator.Validate(definition);
        var problems = result.Problems;
        if (problems.Count > 0)
        {
            throw new WorkflowValidationException(new WorkflowValidationResult(problems, [], null));
        }

        return await Workflows.RegisterWorkflowAsync(workflowNamespace, definition, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One version of a stored workflow (the latest when <paramref name="version"/> is 0); null when unknown or deleted.</summary>
    public async Task<WorkflowVersion?> GetWorkflowAsync(string workflowNamespace, string workflowId, int version, CancellationToken cancellationToken = default)
        => await Workflows.GetWorkflowAsync(workflowNamespace, workflowId, version, cancellationToken).ConfigureAwait(false);

    /// <summary>The latest versions of the stored workflows of a namespace, by id, in pages.</summary>
    /// <exception cref="ArgumentException">The page token is not one of this listing.</exception>
    public async Task<WorkflowVersionPage> ListWorkflowsAsync(string workflowNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
        => await Workflows.ListWorkflowsAsync(workflowNamespace, pageSize, pageToken, cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes a stored workflow (new runs are refused; its versions and executions stay); the number of versions it had, 0 when unknown.</summary>
    public async Task<int> DeleteWorkflowAsync(string workflowNamespace, string workflowId, CancellationToken cancellationToken = default)
        => await Workflows.DeleteWorkflowAsync(workflowNamespace, workflowId, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The stored version a reference names (the latest when its version is 0), to submit with
    /// <see cref="Commands.SubmitExecution.WorkflowVersion"/>; null when the workflow is unknown or
    /// deleted or has no such version.
    /// </summary>
    public async Task<WorkflowVersion?> ResolveWorkflowAsync(string workflowNamespace, WorkflowReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return await Workflows.GetWorkflowAsync(workflowNamespace, reference.Id, reference.Version, cancellationToken).ConfigureAwait(false);
    }
}
