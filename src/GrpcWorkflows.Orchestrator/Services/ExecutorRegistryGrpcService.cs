using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Registry.Internal;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Security.Internal;
using GrpcWorkflows.Orchestrator.Services.Internal;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Services;

/// <summary>
/// The <c>ExecutorRegistryService</c>: executors register their endpoint and step types, keep
/// their lease with heartbeats and deregister on shutdown, or connect out with a session;
/// operators list them. Both ways of registering go through <see cref="ExecutorRegistry.RegisterAsync"/>.
/// </summary>
internal sealed class ExecutorRegistryGrpcService(ExecutorRegistry registry, ExecutorSessionHandler sessions, CallerTokenIssuer? tokens = null) : ExecutorRegistryService.ExecutorRegistryServiceBase
{
    /// <inheritdoc />
    public override async Task<RegisterExecutorResponse> RegisterExecutor(RegisterExecutorRequest request, ServerCallContext context)
    {
        try
        {
            var (response, _) = await registry.RegisterAsync(request, CallerPrincipal.Of(context), cancellationToken: context.CancellationToken).ConfigureAwait(false);
            response.CallerTokenKey = tokens?.KeyFor(response.ExecutorId);
            return response;
        }
        catch (Exception e) when (e is RegistrationRejectedException or RegistryFullException or ExecutorRegistrationDeniedException)
        {
            throw Refused(e);
        }
    }

    /// <inheritdoc />
    public override Task Connect(IAsyncStreamReader<ConnectRequest> requestStream, IServerStreamWriter<ConnectResponse> responseStream, ServerCallContext context)
        => sessions.RunAsync(requestStream, responseStream, context, CallerPrincipal.Of(context));

    /// <summary>
    /// The status a refused registration gets: <c>INVALID_ARGUMENT</c> with every problem,
    /// <c>PERMISSION_DENIED</c> for a credential not scoped to it, or <c>RESOURCE_EXHAUSTED</c>.
    /// </summary>
    internal static RpcException Refused(Exception e) => e switch
    {
        RegistrationRejectedException rejected => RpcErrors.InvalidArgument(rejected.Message, rejected.Problems),
        ExecutorRegistrationDeniedException => new RpcException(new Status(StatusCode.PermissionDenied, e.Message)),
        _ => new RpcException(new Status(StatusCode.ResourceExhausted, e.Message)),
    };

    /// <inheritdoc />
    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        var expires = registry.Heartbeat(request.ExecutorId, CallerPrincipal.Of(context))
            ?? throw NotRegistered(request.ExecutorId);
        return Task.FromResult(new HeartbeatResponse { LeaseExpireTime = Timestamp.FromDateTimeOffset(expires) });
    }

    /// <inheritdoc />
    public override Task<DeregisterExecutorResponse> DeregisterExecutor(DeregisterExecutorRequest request, ServerCallContext context)
    {
        // Idempotent: an executor that is already gone is deregistered. Another credential's executor
        // answers as an unknown id does to a heartbeat.
        if (registry.Deregister(request.ExecutorId, CallerPrincipal.Of(context)) == DeregisterOutcome.NotOwned)
        {
            throw NotRegistered(request.ExecutorId);
        }

        return Task.FromResult(new DeregisterExecutorResponse());
    }

    /// <inheritdoc />
    public override Task<ListExecutorsResponse> ListExecutors(ListExecutorsRequest request, ServerCallContext context)
    {
        var response = new ListExecutorsResponse();
        response.Executors.Add(registry.List(string.IsNullOrEmpty(request.StepType) ? null : request.StepType));
        return Task.FromResult(response);
    }

    private static RpcException NotRegistered(string executorId)
        => new(new Status(StatusCode.NotFound, $"Executor '{RpcErrors.Truncate(executorId)}' is not registered by this credential (or its lease expired); register again."));
}
