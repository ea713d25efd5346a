using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Namespaces;
using GrpcWorkflows.Engine.StoredWorkflows;
using GrpcWorkflows.Orchestrator.Services.Internal;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Services;

/// <summary>Stored, versioned workflow definitions: <c>RegisterWorkflow</c>, <c>GetWorkflow</c>, <c>ListWorkflows</c>, <c>DeleteWorkflow</c>, and submission by reference.</summary>
internal sealed partial class WorkflowGrpcService
{
    /// <inheritdoc />
    public override async Task<RegisterWorkflowResponse> RegisterWorkflow(RegisterWorkflowRequest request, ServerCallContext context)
    {
        RequireDefinition(request.Definition);
        var workflowNamespace = CoveredNamespace(request.Namespace, context);
        try
        {
            var registered = await engine.RegisterWorkflowAsync(workflowNamespace, request.Definition, context.CancellationToken);
            return new RegisterWorkflowResponse { Workflow = ToProto(registered.Workflow, withDefinition: false), Existing = registered.Existing };
        }
        catch (WorkflowValidationException ex)
        {
            throw RpcErrors.Invalid(ex.Result);
        }
    }

    /// <inheritdoc />
    public override async Task<GetWorkflowResponse> GetWorkflow(GetWorkflowRequest request, ServerCallContext context)
    {
        RequireWorkflowId(request.WorkflowId);
        if (request.Version < 0)
        {
            throw RpcErrors.InvalidField("version", "must be 0 (the latest) or a version number from 1.");
        }

        var workflowNamespace = CoveredNamespace(request.Namespace, context);
        var found = await engine.GetWorkflowAsync(workflowNamespace, request.WorkflowId, request.Version, context.CancellationToken)
            ?? throw WorkflowNotFound(request.WorkflowId, request.Version, workflowNamespace);
        return new GetWorkflowResponse { Workflow = ToProto(found, withDefinition: true), LatestVersion = found.LatestVersion };
    }

    /// <inheritdoc />
    public override async Task<ListWorkflowsResponse> ListWorkflows(ListWorkflowsRequest request, ServerCallContext context)
    {
        var pageSize = PageSizeOf(request.PageSize);
        var workflowNamespace = CoveredNamespace(request.Namespace, context);
        var page = await ListPageAsync(() => engine.ListWorkflowsAsync(workflowNamespace, pageSize, request.PageToken, context.CancellationToken));

        var response = new ListWorkflowsResponse { NextPageToken = page.NextPageToken ?? "" };
        response.Workflows.Add(page.Items.Select(w => ToProto(w, withDefinition: false)));
        return response;
    }

    /// <inheritdoc />
    public override async Task<DeleteWorkflowResponse> DeleteWorkflow(DeleteWorkflowRequest request, ServerCallContext context)
    {
        RequireWorkflowId(request.WorkflowId);
        var workflowNamespace = CoveredNamespace(request.Namespace, context);
        var versions = await engine.DeleteWorkflowAsync(workflowNamespace, request.WorkflowId, context.CancellationToken);
        return versions == 0
            ? throw WorkflowNotFound(request.WorkflowId, 0, workflowNamespace)
            : new DeleteWorkflowResponse { Versions = versions };
    }

    /// <summary>The definition a submission runs: the inline one (version 0), or the stored version its reference names.</summary>
    private async Task<(WorkflowDefinition Definition, int Version)> DefinitionOfAsync(SubmitWorkflowRequest request, string executionNamespace, ServerCallContext context)
    {
        if (request.WorkflowRef is not { } reference)
        {
            return (request.Definition, 0);
        }

        var found = await engine.ResolveWorkflowAsync(executionNamespace, reference, context.CancellationToken)
            ?? throw WorkflowNotFound(reference.Id, reference.Version, executionNamespace);
        return (found.Definition, found.Version);
    }

    /// <summary>Exactly one of <c>definition</c> and <c>workflow_ref</c>, and a reference with an id and a version from 0.</summary>
    private static void RequireDefinitionOrReference(SubmitWorkflowRequest request)
    {
        if (request.WorkflowRef is null)
        {
            RequireDefinition(request.Definition);
            return;
        }

        var problems = new List<ValidationProblem>();
        if (request.Definition is not null)
        {
            problems.Add(new ValidationProblem { Field = "workflow_ref", Description = "set either definition or workflow_ref, not both" });
        }

        if (string.IsNullOrWhiteSpace(request.WorkflowRef.Id))
        {
            problems.Add(new ValidationProblem { Field = "workflow_ref.id", Description = "is required: the id of a stored workflow" });
        }

        if (request.WorkflowRef.Version < 0)
        {
            problems.Add(new ValidationProblem { Field = "workflow_ref.version", Description = "must be 0 (the latest) or a version number from 1" });
        }

        if (problems.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The submission is not valid", problems);
        }
    }

    /// <summary>The request's namespace (<c>default</c> when empty), checked and covered by the caller's credential.</summary>
    private static string CoveredNamespace(string requested, ServerCallContext context)
    {
        var workflowNamespace = ExecutionNamespace.OrDefault(requested);
        if (ExecutionNamespace.Problem(workflowNamespace) is { } problem)
        {
            throw RpcErrors.InvalidField("namespace", $"'{RpcErrors.Truncate(workflowNamespace, 80)}' {problem}");
        }

        RequireCovered(workflowNamespace, context);
        return workflowNamespace;
    }

    private static void RequireWorkflowId(string workflowId)
    {
        if (string.IsNullOrWhiteSpace(workflowId))
        {
            throw RpcErrors.InvalidField("workflow_id", "is required.");
        }
    }

    private static RpcException WorkflowNotFound(string workflowId, int version, string workflowNamespace)
        => new(new Status(StatusCode.NotFound, version == 0
            ? $"No stored workflow '{RpcErrors.Truncate(workflowId, 120)}' in the namespace '{workflowNamespace}' (never registered, or deleted)."
            : $"No version {version} of a stored workflow '{RpcErrors.Truncate(workflowId, 120)}' in the namespace '{workflowNamespace}'."));

    private static StoredWorkflow ToProto(WorkflowVersion version, bool withDefinition) => new()
    {
        Namespace = version.Namespace,
        WorkflowId = version.WorkflowId,
        Version = version.Version,
        Definition = withDefinition ? version.Definition : null,
        CreateTime = Timestamp.FromDateTimeOffset(version.CreateTime),
        Description = version.Definition.Description,
        StepCount = version.Definition.Steps.Count,
    };
}
