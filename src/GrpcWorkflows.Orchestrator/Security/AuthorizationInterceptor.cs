using Grpc.Core;
using Grpc.Core.Interceptors;
using GrpcWorkflows.Orchestrator.Security.Internal;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>
/// Authenticates each call of the orchestrator's services and checks the caller's role against
/// <see cref="RpcPolicies"/>: no or a refused credential answers <c>UNAUTHENTICATED</c>, a role
/// too small <c>PERMISSION_DENIED</c>. Does nothing when <see cref="AuthOptions.Enabled"/> is off.
/// </summary>
internal sealed class AuthorizationInterceptor(IOptions<AuthOptions> options, ILogger<AuthorizationInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(request, context);
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(requestStream, context);
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task AuthorizeAsync(ServerCallContext context)
    {
        if (await CallAuthorizer.CheckAsync(context.GetHttpContext(), context.Method, options.Value, logger) is { } refused)
        {
            throw new RpcException(refused);
        }
    }
}
