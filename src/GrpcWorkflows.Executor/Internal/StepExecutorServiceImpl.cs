using System.Diagnostics;
using Grpc.Core;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>Serves <c>StepExecutorService</c>: dispatches each call to the handler of its step type.</summary>
internal sealed class StepExecutorServiceImpl(
    StepHandlerCatalog catalog,
    ConcurrencyGate gate,
    IOptions<ExecutorOptions> options,
    TimeProvider timeProvider,
    ShutdownSignal shutdown,
    StepRunner runner,
    CallerTokenVerifier callerTokens,
    ILogger<StepExecutorServiceImpl> logger) : StepExecutorService.StepExecutorServiceBase
{
    internal static readonly ActivitySource ActivitySource = new(Instrumentation.ActivitySourceName, typeof(StepExecutorServiceImpl).Assembly.GetName().Version?.ToString());

    public override async Task<ExecuteStepResponse> ExecuteStep(ExecuteStepRequest request, ServerCallContext context)
    {
        if (options.Value.CallerCertificates.Required && context.GetHttpContext().Connection.ClientCertificate is null)
        {
            // Over https the handshake already refused it; this is a call over plain http, which carries no certificate.
            Log.CallWithoutCertificate(logger, request.StepId, request.ExecutionId);
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "This executor accepts only callers with a client certificate (Executor:CallerCertificates), and this call came without one: call it over https:// with the orchestrator's certificate (Dispatch:ClientCertificate)."));
        }

        if (await callerTokens.CheckAsync(BearerToken(context), request, context.CancellationToken).ConfigureAwait(false) is { } refused)
        {
            throw new RpcException(refused);
        }

        if (!catalog.TryGet(request.StepType, out var registration))
        {
            Log.UnknownStepType(logger, request.StepId, request.StepType);
            var served = string.Join(", ", catalog.Registrations.Select(r => r.StepType));
            throw new RpcException(new Status(StatusCode.Unimplemented, $"Step type '{request.StepType}' is not served by this executor (it serves: {served})."));
        }

        if (shutdown.IsStopping)
        {
            // Graceful shutdown: calls in flight finish, new ones go elsewhere (UNAVAILABLE is retried by the orchestrator).
            throw new RpcException(new Status(StatusCode.Unavailable, "The executor is shutting down."));
        }

        var limit = options.Value.MaxConcurrency;
        if (!gate.TryEnter(limit))
        {
            Log.CapacityExceeded(logger, request.StepId, request.StepType, gate.InFlight, limit);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The executor is at its limit of {limit} calls in flight."));
        }

        try
        {
            using var activity = StartActivity(request, context);
            var started = timeProvider.GetTimestamp();
            var response = await ExecuteCoreAsync(registration.CreateHandler, request, context).ConfigureAwait(false);
            if (response.Error is { } error)
            {
                activity?.SetStatus(ActivityStatusCode.Error, error.Message);
                activity?.SetTag(TelemetryTags.ErrorCode, error.Code);
            }
            else
            {
                Log.StepSucceeded(logger, request.StepId, request.StepType, request.ExecutionId, request.Attempt, timeProvider.GetElapsedTime(started).TotalMilliseconds);
            }

            return response;
        }
        finally
        {
            gate.Exit();
        }
    }

    public override Task<DescribeExecutorResponse> DescribeExecutor(DescribeExecutorRequest request, ServerCallContext context)
    {
        var value = options.Value;
        var response = new DescribeExecutorResponse
        {
            Name = ExecutorIdentity.Name(value),
            Version = ExecutorIdentity.Version(value),
            MaxConcurrency = value.MaxConcurrency,
        };
        response.Labels.Add(value.Labels);
        foreach (var registration in catalog.Registrations)
        {
            var descriptor = new StepTypeDescriptor { Type = registration.StepType, Description = registration.Description ?? string.Empty };
            if (registration.InputSchema is { } schema)
            {
                descriptor.InputSchema = schema.Clone();
            }

            response.StepTypes.Add(descriptor);
        }

        return Task.FromResult(response);
    }

    private async Task<ExecuteStepResponse> ExecuteCoreAsync(Func<IServiceProvider, IStepHandler> createHandler, ExecuteStepRequest request, ServerCallContext context)
    {
        var deadline = context.Deadline == DateTime.MaxValue ? (DateTime?)null : context.Deadline;
        try
        {
            return await runner.RunAsync(createHandler, request, deadline, context.GetHttpContext().RequestServices, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(runner.Expired(deadline)
                ? new Status(StatusCode.DeadlineExceeded, "The step's deadline passed.")
                : new Status(StatusCode.Cancelled, "The step was cancelled by the caller."));
        }
    }

    private static string? BearerToken(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        return header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    private static Activity? StartActivity(ExecuteStepRequest request, ServerCallContext context)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        // Continue the caller's W3C trace: ASP.NET Core's request Activity when it exists, else the traceparent header.
        var parent = Activity.Current?.Context ?? default;
        if (parent == default)
        {
            return StartActivity(request, context.RequestHeaders.GetValue("traceparent"), context.RequestHeaders.GetValue("tracestate"));
        }

        return StartActivity(request, parent);
    }

    /// <summary>Starts the step's span under the W3C <paramref name="traceParent"/> (as a session attempt carries it), or a new trace.</summary>
    internal static Activity? StartActivity(ExecuteStepRequest request, string? traceParent, string? traceState)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        if (!string.IsNullOrEmpty(traceParent))
        {
            _ = ActivityContext.TryParse(traceParent, string.IsNullOrEmpty(traceState) ? null : traceState, isRemote: true, out parent);
        }

        return StartActivity(request, parent);
    }

    private static Activity? StartActivity(ExecuteStepRequest request, ActivityContext parent)
    {
        var activity = ActivitySource.StartActivity($"ExecuteStep {request.StepType}", ActivityKind.Server, parent);
        activity?.SetTag(TelemetryTags.ExecutionId, request.ExecutionId);
        activity?.SetTag(TelemetryTags.WorkflowId, request.WorkflowId);
        activity?.SetTag(TelemetryTags.StepId, request.StepId);
        activity?.SetTag(TelemetryTags.StepType, request.StepType);
        activity?.SetTag(TelemetryTags.Attempt, request.Attempt);
        return activity;
    }
}
