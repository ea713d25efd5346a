using Grpc.Core;
using Grpc.Core.Interceptors;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.Orchestrator.Services.Internal;

namespace GrpcWorkflows.Orchestrator.Services;

/// <summary>
/// Turns a store failure into <c>RESOURCE_EXHAUSTED</c>/<c>UNAVAILABLE</c> with its cause and a retry
/// hint, and any other exception a service did not map into <c>INTERNAL</c> with a fixed message: the
/// details (and the stack trace) go to the log, never to the client.
/// </summary>
internal sealed class ExceptionInterceptor(ILogger<ExceptionInterceptor> logger) : Interceptor
{
    private const string InternalMessage = "An internal error occurred in the orchestrator; it has been logged.";

    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (StoreUnavailableException ex)
        {
            throw RpcErrors.StoreUnavailable(ex);
        }
        catch (Exception ex) when (IsUnexpected(ex, context))
        {
            throw Internal(ex, context);
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (StoreUnavailableException ex)
        {
            throw RpcErrors.StoreUnavailable(ex);
        }
        catch (Exception ex) when (IsUnexpected(ex, context))
        {
            throw Internal(ex, context);
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception ex) when (IsUnexpected(ex, context))
        {
            throw Internal(ex, context);
        }
    }

    private static bool IsUnexpected(Exception exception, ServerCallContext context)
        => exception is not RpcException && !(exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested);

    private RpcException Internal(Exception exception, ServerCallContext context)
    {
        Log.UnexpectedError(logger, context.Method, exception);
        return new RpcException(new Status(StatusCode.Internal, InternalMessage));
    }
}
