using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Services.Internal;
using GrpcWorkflows.V1;
using GrpcWorkflows.Orchestrator.Security;

namespace GrpcWorkflows.Orchestrator.Services;

/// <summary>
/// The <c>ExecutorRegistryService</c>: executors register their endpoint and step types, keep
/// their lease with heartbeats and deregister on shutdown, or connect out with a session;
/// operators list them. Both ways of registering go through <see cref="ExecutorRegistry.RegisterAsync"/>.
/// </summary>
internal sealed class ExecutorRegistryGrpcService(ExecutorRegistry registry, ExecutorSessionHandler sessions) : ExecutorRegistryService.ExecutorRegistryServiceBase
{
    /// <inheritdoc />
    public override async Task<RegisterExecutorResponse> RegisterExecutor(RegisterExecutorRequest request, ServerCallContext context)
    {
        try
        {
            var (response, _) = await registry.RegisterAsync(request, Caller(context), cancellationToken: context.CancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (Exception e) when (e is RegistrationRejectedException or RegistryFullException)
        {
            throw Refused(e);
        }
    }

    /// <inheritdoc />
    public override Task Connect(IAsyncStreamReader<ConnectRequest> requestStream, IServerStreamWriter<ConnectResponse> responseStream, ServerCallContext context)
        => sessions.RunAsync(requestStream, responseStream, context, Caller(context));

    /// <summary>The status a refused registration gets: <c>INVALID_ARGUMENT</c> with every problem, or <c>RESOURCE_EXHAUSTED</c>.</summary>
    internal static RpcException Refused(Exception e) => e switch
    {
        RegistrationRejectedException rejected => RpcErrors.InvalidArgument(rejected.Message, rejected.Problems),
        _ => new RpcException(new Status(StatusCode.ResourceExhausted, e.Message)),
    };

    /// <summary>The authenticated caller, when the orchestrator authenticates callers.</summary>
    private static CallerPrincipal? Caller(ServerCallContext context)
        => context.GetHttpContext().User is { Identity.IsAuthenticated: true } user ? CallerPrincipal.From(user) : null;

    /// <inheritdoc />
    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        var expires = registry.Heartbeat(request.ExecutorId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"Executor '{request.ExecutorId}' is not registered (its lease expired); register again."));
        return Task.FromResult(new HeartbeatResponse { LeaseExpireTime = Timestamp.FromDateTimeOffset(expires) });
    }

    /// <inheritdoc />
    public override Task<DeregisterExecutorResponse> DeregisterExecutor(DeregisterExecutorRequest request, ServerCallContext context)
    {
        // Idempotent: an executor that is already gone is deregistered.
        registry.Deregister(request.ExecutorId);
        return Task.FromResult(new DeregisterExecutorResponse());
    }

    /// <inheritdoc />
    public override Task<ListExecutorsResponse> ListExecutors(ListExecutorsRequest request, ServerCallContext context)
    {
        var response = new ListExecutorsResponse();
        response.Executors.Add(registry.List(string.IsNullOrEmpty(request.StepType) ? null : request.StepType));
        return Task.FromResult(response);
    }
}
