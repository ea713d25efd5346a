using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GrpcWorkflows.Client.Internal;

/// <summary>Adds the API key and/or bearer token of <see cref="WorkflowClientOptions"/> to every call.</summary>
internal sealed class CredentialsInterceptor(WorkflowClientOptions options) : Interceptor
{
    /// <summary>The metadata header that carries an API key (the orchestrator's <c>Auth</c> section documents it).</summary>
    public const string ApiKeyHeader = "x-api-key";

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        => continuation(request, WithCredentials(context));

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
        => continuation(request, WithCredentials(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
        => continuation(request, WithCredentials(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
        => continuation(WithCredentials(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
        => continuation(WithCredentials(context));

    private ClientInterceptorContext<TRequest, TResponse> WithCredentials<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        var headers = context.Options.Headers ?? [];
        if (!string.IsNullOrEmpty(options.ApiKey) && headers.Get(ApiKeyHeader) is null)
        {
            headers.Add(ApiKeyHeader, options.ApiKey);
        }

        if (!string.IsNullOrEmpty(options.BearerToken) && headers.Get("authorization") is null)
        {
            headers.Add("authorization", "Bearer " + options.BearerToken);
        }

        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
