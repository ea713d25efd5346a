using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Security.Internal;

/// <summary>
/// Authenticates a call by its connection's client certificate (mutual TLS), mapped to a credential by its SHA-256
/// fingerprint in <see cref="AuthOptions.ClientCertificates"/>. Kestrel has already checked the chain
/// (<c>Orchestrator:Tls:ClientCaPath</c>) at the handshake.
/// </summary>
internal sealed class ClientCertificateAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "ClientCertificate";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Context.Connection.ClientCertificate is not { } certificate)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(credentials.FindCertificate(certificate) is { } credential
            ? AuthenticateResult.Success(ApiKeyAuthenticationHandler.Ticket(credential, SchemeName))
            : AuthenticateResult.Fail("The client certificate is not one of Auth:ClientCertificates."));
    }
}
