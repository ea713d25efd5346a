using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Commands;
using GrpcWorkflows.Engine.Namespaces;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Services.Internal;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Services;

/// <summary>
/// The client-facing <c>WorkflowService</c>: maps each request onto the <see cref="WorkflowEngine"/>
/// and the engine's exceptions onto gRPC statuses (INVALID_ARGUMENT with every problem,
/// FAILED_PRECONDITION for unserved step types, NOT_FOUND, RESOURCE_EXHAUSTED).
/// </summary>
internal sealed partial class WorkflowGrpcService(
    WorkflowEngine engine,
    GrpcWorkflows.Engine.Schedules.Scheduler scheduler,
    IHostApplicationLifetime lifetime,
    Microsoft.Extensions.Options.IOptions<Hosting.OrchestratorOptions> options,
    TimeProvider timeProvider,
    ILogger<WorkflowGrpcService> logger) : WorkflowService.WorkflowServiceBase
{
    /// <summary>The page size of <c>ListExecutions</c> when the request gives none.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>The largest page size of <c>ListExecutions</c>.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The page size of a listing of stored workflows or schedules: 0 for the default, at most <see cref="MaxPageSize"/>.</summary>
    private static int PageSizeOf(int requested) => requested is >= 0 and <= MaxPageSize
        ? (requested == 0 ? DefaultPageSize : requested)
        : throw RpcErrors.InvalidField("page_size", $"must be 0 (the default, {DefaultPageSize}) to {MaxPageSize}.");

    /// <summary>Runs a listing; a page token the store cannot read (<see cref="ArgumentException"/>) is INVALID_ARGUMENT at <c>page_token</c>.</summary>
    private static async Task<TPage> ListPageAsync<TPage>(Func<Task<TPage>> list)
    {
        try
        {
            return await list();
        }
        catch (ArgumentException ex)
        {
            throw RpcErrors.InvalidField("page_token", ex.Message);
        }
    }

    /// <inheritdoc />
    public override async Task<SubmitWorkflowResponse> SubmitWorkflow(SubmitWorkflowRequest request, ServerCallContext context)
    {
        var created = await SubmitAsync(request, context);
        return new SubmitWorkflowResponse { ExecutionId = created.ExecutionId, Existing = created.Existing };
    }

    /// <inheritdoc />
    public override async Task RunWorkflow(RunWorkflowRequest request, IServerStreamWriter<RunWorkflowResponse> responseStream, ServerCallContext context)
    {
        var created = await SubmitAsync(RunRequests.Submission(request), context);
        await StreamAsync(created.ExecutionId, 1, context, e => responseStream.WriteAsync(new RunWorkflowResponse { Event = e }));
    }

    /// <inheritdoc />
    public override async Task WatchExecution(WatchExecutionRequest request, IServerStreamWriter<WatchExecutionResponse> responseStream, ServerCallContext context)
    {
        RequireId(request.ExecutionId);
        if (request.FromSequence < 0)
        {
            throw RpcErrors.InvalidField("from_sequence", "must be 0 or more.");
        }

        await RequireVisibleAsync(request.ExecutionId, context);
        await StreamAsync(request.ExecutionId, Math.Max(1, request.FromSequence), context, e => responseStream.WriteAsync(new WatchExecutionResponse { Event = e }));
    }

    /// <inheritdoc />
    public override async Task<GetExecutionResponse> GetExecution(GetExecutionRequest request, ServerCallContext context)
    {
        RequireId(request.ExecutionId);
        if (!Enum.IsDefined(request.View))
        {
            throw RpcErrors.InvalidField("view", $"{(int)request.View} is not an ExecutionView; use EXECUTION_VIEW_SUMMARY or EXECUTION_VIEW_FULL.");
        }

        await RequireVisibleAsync(request.ExecutionId, context);
        var execution = await engine.GetExecutionAsync(request.ExecutionId, request.View, context.CancellationToken)
            ?? throw RpcErrors.ExecutionNotFound(request.ExecutionId);
        return new GetExecutionResponse { Execution = execution };
    }

    /// <inheritdoc />
    public override async Task<ListExecutionsResponse> ListExecutions(ListExecutionsRequest request, ServerCallContext context)
    {
        var query = ListRequests.Query(request, DefaultPageSize, MaxPageSize);
        RequireCovered(query.Namespace, context);
        var page = await ListPageAsync(() => engine.ListExecutionsAsync(query, context.CancellationToken));

        var response = new ListExecutionsResponse { NextPageToken = page.NextPageToken ?? "" };
        foreach (var record in page.Items)
        {
            var summary = new ExecutionSummary
            {
                ExecutionId = record.ExecutionId,
                WorkflowId = record.WorkflowId,
                State = record.State,
                CreateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(record.CreateTime),
                EndTime = record.EndTime is { } end ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(end) : null,
                StepCount = record.StepCount,
                SucceededStepCount = record.SucceededStepCount,
                Namespace = record.Namespace,
            };
            foreach (var (key, value) in record.Labels)
            {
                summary.Labels[key] = value;
            }

            SetSchedule(summary);
            response.Executions.Add(summary);
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<CancelExecutionResponse> CancelExecution(CancelExecutionRequest request, ServerCallContext context)
    {
        RequireId(request.ExecutionId);
        await RequireVisibleAsync(request.ExecutionId, context);
        try
        {
            var state = await engine.CancelAsync(request.ExecutionId, string.IsNullOrEmpty(request.Reason) ? null : request.Reason, context.CancellationToken);
            return new CancelExecutionResponse { State = state };
        }
        catch (ExecutionNotFoundException)
        {
            throw RpcErrors.ExecutionNotFound(request.ExecutionId);
        }
    }

    /// <inheritdoc />
    public override async Task<RetryExecutionResponse> RetryExecution(RetryExecutionRequest request, ServerCallContext context)
    {
        RequireId(request.ExecutionId);
        await RequireVisibleAsync(request.ExecutionId, context);
        try
        {
            var steps = await engine.RetryAsync(request.ExecutionId, context.CancellationToken);
            var response = new RetryExecutionResponse();
            response.StepIds.Add(steps);
            return response;
        }
        catch (ExecutionNotFoundException)
        {
            throw RpcErrors.ExecutionNotFound(request.ExecutionId);
        }
        catch (ExecutionStateConflictException ex)
        {
            throw RpcErrors.FailedPrecondition(ex.Message);
        }
    }

    /// <inheritdoc />
    public override async Task<SignalExecutionResponse> SignalExecution(SignalExecutionRequest request, ServerCallContext context)
    {
        RequireId(request.ExecutionId);
        if (string.IsNullOrEmpty(request.Name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "name is required: the name of the signal (wait_for_signal.name)."));
        }

        await RequireVisibleAsync(request.ExecutionId, context);
        try
        {
            var steps = await engine.SignalAsync(request.ExecutionId, request.Name, request.Payload, context.CancellationToken);
            var response = new SignalExecutionResponse();
            response.StepIds.Add(steps);
            return response;
        }
        catch (ExecutionNotFoundException)
        {
            throw RpcErrors.ExecutionNotFound(request.ExecutionId);
        }
        catch (ExecutionStateConflictException ex)
        {
            throw RpcErrors.FailedPrecondition(ex.Message);
        }
        catch (WorkflowValidationException ex)
        {
            throw RpcErrors.InvalidArgument("The signal's payload is not valid", ex.Result.Problems);
        }
    }

    /// <inheritdoc />
    public override Task<ValidateWorkflowResponse> ValidateWorkflow(ValidateWorkflowRequest request, ServerCallContext context)
    {
        RequireDefinition(request.Definition);
        var result = engine.Validate(request.Definition);
        var response = new ValidateWorkflowResponse { Valid = result.IsValid, Plan = result.IsValid ? result.Plan : null };
        response.Problems.Add(result.Problems);
        response.Problems.Add(result.UnservedStepTypes);
        return Task.FromResult(response);
    }

    private async Task<CreateExecutionResult> SubmitAsync(SubmitWorkflowRequest request, ServerCallContext context)
    {
        RequireDefinitionOrReference(request);
        var executionNamespace = ExecutionNamespace.OrDefault(request.Namespace);
        if (ExecutionNamespace.Problem(executionNamespace) is { } problem)
        {
            throw RpcErrors.InvalidField("namespace", $"'{RpcErrors.Truncate(executionNamespace, 80)}' {problem}");
        }

        RequireCovered(executionNamespace, context);
        var (definition, version) = await DefinitionOfAsync(request, executionNamespace, context);
        var command = new SubmitExecution(
            definition,
            request.Input,
            request.IdempotencyKey.Length == 0 ? null : request.IdempotencyKey,
            request.Labels.Count == 0 ? null : new Dictionary<string, string>(request.Labels, StringComparer.Ordinal),
            executionNamespace,
            version);
        try
        {
            return await engine.SubmitAsync(command, context.CancellationToken);
        }
        catch (WorkflowValidationException ex)
        {
            throw RpcErrors.Invalid(ex.Result);
        }
        catch (AdmissionRejectedException ex)
        {
            throw RpcErrors.AdmissionRejected(ex.Message);
        }
    }

    /// <summary>
    /// Streams an execution's events to a client. A client that reads nothing for
    /// <see cref="Hosting.OrchestratorOptions.WatchStallTimeout"/> while an event waits to be sent (its HTTP/2 window
    /// is full, so no status could reach it behind that event) has its stream reset with <c>ENHANCE_YOUR_CALM</c>,
    /// which gRPC clients report as <c>RESOURCE_EXHAUSTED</c>; the reason is logged.
    /// </summary>
    private async Task StreamAsync(string executionId, long fromSequence, ServerCallContext context, Func<ExecutionEvent, Task> write)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var stallTimeout = options.Value.WatchStallTimeout;
        using var stalled = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        using var resetOnStall = stalled.Token.Register(static state => ((HttpContext)state!).Features.Get<IHttpResetFeature>()?.Reset(EnhanceYourCalm), context.GetHttpContext());
        try
        {
            await foreach (var executionEvent in engine.WatchAsync(executionId, fromSequence, linked.Token).WithCancellation(linked.Token))
            {
                stalled.CancelAfter(stallTimeout);
                await write(executionEvent);
                stalled.CancelAfter(Timeout.InfiniteTimeSpan);
            }
        }
        catch (Exception) when (stalled.IsCancellationRequested)
        {
            // The stream was reset: the client reads RESOURCE_EXHAUSTED; nothing more can be sent.
            Orchestrator.Internal.Log.WatchStalled(logger, executionId, stallTimeout);
        }
        catch (ExecutionNotFoundException)
        {
            throw RpcErrors.ExecutionNotFound(executionId);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away: nothing to answer.
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The orchestrator is shutting down; watch again with from_sequence = the last sequence seen + 1."));
        }
    }

    /// <summary>The HTTP/2 error code <c>ENHANCE_YOUR_CALM</c>: gRPC clients report a stream reset with it as <c>RESOURCE_EXHAUSTED</c>.</summary>
    private const int EnhanceYourCalm = 0xb;

    /// <summary>Refuses a namespace the caller's credential does not cover: <c>PERMISSION_DENIED</c> naming the namespaces it does.</summary>
    private static void RequireCovered(string executionNamespace, ServerCallContext context)
    {
        var caller = CallerPrincipal.Of(context);
        if (!caller.Covers(executionNamespace))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"The credential '{RpcErrors.Truncate(caller.Name, 80)}' does not cover the namespace '{executionNamespace}'; it covers: {RpcErrors.Truncate(caller.DescribeNamespaces())}."));
        }
    }

    /// <summary>Answers <c>NOT_FOUND</c>, exactly as for an unknown id, for an execution of a namespace the caller does not cover.</summary>
    private async Task RequireVisibleAsync(string executionId, ServerCallContext context)
    {
        var executionNamespace = await engine.GetNamespaceAsync(executionId, context.CancellationToken);
        if (executionNamespace is null || !CallerPrincipal.Of(context).Covers(executionNamespace))
        {
            throw RpcErrors.ExecutionNotFound(executionId);
        }
    }

    private static void RequireId(string executionId)
    {
        if (string.IsNullOrWhiteSpace(executionId))
        {
            throw RpcErrors.InvalidField("execution_id", "is required.");
        }
    }

    private static void RequireDefinition(WorkflowDefinition? definition)
    {
        if (definition is null)
        {
            throw RpcErrors.InvalidField("definition", "is required.");
        }
    }
}
