using System.Runtime.CompilerServices;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client;

/// <summary>Stored, versioned workflows: register, get, list, delete.</summary>
public sealed partial class WorkflowClient
{
    /// <inheritdoc />
    public async Task<RegisterWorkflowResponse> RegisterWorkflowAsync(WorkflowDefinition definition, string? workflowNamespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var request = new RegisterWorkflowRequest { Definition = definition, Namespace = NamespaceOf(workflowNamespace) };
        return await _workflows.RegisterWorkflowAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<GetWorkflowResponse> GetWorkflowAsync(string workflowId, int version = 0, string? workflowNamespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workflowId);
        var request = new GetWorkflowRequest { WorkflowId = workflowId, Version = version, Namespace = NamespaceOf(workflowNamespace) };
        return await _workflows.GetWorkflowAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredWorkflow> ListWorkflowsAsync(string? workflowNamespace = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new ListWorkflowsRequest { Namespace = NamespaceOf(workflowNamespace) };
        do
        {
            var page = await _workflows.ListWorkflowsAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var workflow in page.Workflows)
            {
                yield return workflow;
            }

            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
    }

    /// <inheritdoc />
    public async Task<int> DeleteWorkflowAsync(string workflowId, string? workflowNamespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workflowId);
        var request = new DeleteWorkflowRequest { WorkflowId = workflowId, Namespace = NamespaceOf(workflowNamespace) };
        var response = await _workflows.DeleteWorkflowAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Versions;
    }

    private string NamespaceOf(string? workflowNamespace) => workflowNamespace ?? _options.Namespace ?? string.Empty;
}
