using Grpc.Core;
using Grpc.Core.Interceptors;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.Orchestrator.Security.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>
/// Authenticates each call of the orchestrator's services and checks the caller's role against
/// <see cref="RpcPolicies"/>: no or a refused credential answers <c>UNAUTHENTICATED</c>, a role
/// too small <c>PERMISSION_DENIED</c>. Does nothing when <see cref="AuthOptions.Enabled"/> is off.
/// </summary>
public sealed class AuthorizationInterceptor(IOptions<AuthOptions> options, ILogger<AuthorizationInterceptor> logger) : Interceptor
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
        if (!options.Value.Enabled)
        {
            return;
        }

        var http = context.GetHttpContext();
        var result = await http.AuthenticateAsync(AuthenticationSetup.SchemeName);
        if (!result.Succeeded)
        {
            Log.CallNotAuthenticated(logger, context.Method, result.Failure switch
            {
                null => "no credential",
                AuthenticationFailureException refused => refused.Message,
                var token => token.GetType().Name,
            });
            throw new RpcException(new Status(StatusCode.Unauthenticated, result.None
                ? $"This call needs a credential: an API key in the '{AuthOptions.ApiKeyHeader}' header or a bearer token in 'authorization'."
                : "The credential was refused: an unknown API key, or a token that is expired, badly signed or meant for another audience."));
        }

        http.User = result.Principal;
        var jwt = options.Value.Jwt;
        var caller = CallerPrincipal.From(result.Principal, jwt.NamespaceClaim, jwt.StepTypeClaim);
        http.Items[typeof(CallerPrincipal)] = caller;
        var required = RpcPolicies.For(context.Method);
        if (required is null || !caller.Holds(required))
        {
            Log.CallNotAuthorized(logger, context.Method, caller.Name, required ?? "(not in the policy table)");
            var held = caller.Roles.Count == 0 ? "no known role" : "the role(s) " + string.Join(", ", caller.Roles.Order(StringComparer.Ordinal));
            throw new RpcException(new Status(StatusCode.PermissionDenied, required is null
                ? $"{context.Method} is not open to any credential."
                : $"{context.Method} needs the role '{required}'; the credential '{caller.Name}' has {held}."));
        }
    }
}
