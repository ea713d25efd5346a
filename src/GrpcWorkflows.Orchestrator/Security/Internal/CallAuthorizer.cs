using Grpc.Core;
using GrpcWorkflows.Orchestrator.Internal;
using Microsoft.AspNetCore.Authentication;

namespace GrpcWorkflows.Orchestrator.Security.Internal;

/// <summary>
/// The one authorization check of the orchestrator's API, for gRPC calls (through
/// <see cref="AuthorizationInterceptor"/>, JSON-transcoded calls included) and for the HTTP endpoints
/// that are not gRPC methods: authenticate the request, then check the role <see cref="RpcPolicies"/>
/// names for <c>method</c>.
/// </summary>
internal static class CallAuthorizer
{
    /// <summary>Null when <paramref name="http"/> may call <paramref name="method"/>; otherwise the status to answer (<c>UNAUTHENTICATED</c> or <c>PERMISSION_DENIED</c>).</summary>
    public static async Task<Status?> CheckAsync(HttpContext http, string method, AuthOptions options, ILogger logger)
    {
        if (!options.Enabled)
        {
            return null;
        }

        var result = await http.AuthenticateAsync(AuthenticationSetup.SchemeName);
        if (!result.Succeeded)
        {
            Log.CallNotAuthenticated(logger, method, result.Failure switch
            {
                null => "no credential",
                AuthenticationFailureException refused => refused.Message,
                var token => token.GetType().Name,
            });
            return new Status(StatusCode.Unauthenticated, result.None
                ? $"This call needs a credential: an API key in the '{AuthOptions.ApiKeyHeader}' header or a bearer token in 'authorization'."
                : "The credential was refused: an unknown API key, or a token that is expired, badly signed or meant for another audience.");
        }

        http.User = result.Principal;
        var caller = CallerPrincipal.From(result.Principal, options.Jwt.NamespaceClaim, options.Jwt.StepTypeClaim);
        http.Items[typeof(CallerPrincipal)] = caller;
        var required = RpcPolicies.For(method);
        if (required is null || !caller.Holds(required))
        {
            Log.CallNotAuthorized(logger, method, caller.Name, required ?? "(not in the policy table)");
            var held = caller.Roles.Count == 0 ? "no known role" : "the role(s) " + string.Join(", ", caller.Roles.Order(StringComparer.Ordinal));
            return new Status(StatusCode.PermissionDenied, required is null
                ? $"{method} is not open to any credential."
                : $"{method} needs the role '{required}'; the credential '{caller.Name}' has {held}.");
        }

        return null;
    }
}
