using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Security.Internal;

/// <summary>Authenticates a call by the API key in its <c>x-api-key</c> header.</summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[AuthOptions.ApiKeyHeader].ToString();
        if (string.IsNullOrEmpty(presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Find(presented) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        return Task.FromResult(AuthenticateResult.Success(Ticket(key, SchemeName)));
    }

    /// <summary>The authenticated caller of a configured credential (an API key, or a client certificate mapped like one), for <paramref name="scheme"/>.</summary>
    internal static AuthenticationTicket Ticket(ApiKeyOptions key, string scheme)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, key.Name),
                new Claim(CallerPrincipal.RoleClaimType, key.Role),
                .. key.Namespaces.Select(name => new Claim(CallerPrincipal.NamespaceClaimType, name)),
                .. key.StepTypes.Select(type => new Claim(CallerPrincipal.StepTypeClaimType, type)),
            ],
            scheme,
            ClaimTypes.Name,
            CallerPrincipal.RoleClaimType);
        return new AuthenticationTicket(new ClaimsPrincipal(identity), scheme);
    }
}
