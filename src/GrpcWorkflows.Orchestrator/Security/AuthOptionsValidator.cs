using GrpcWorkflows.Orchestrator.Security.Internal;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>
/// Checks <see cref="AuthOptions"/> at start, with messages that say what to change; refuses a
/// non-loopback listening address when no credential is configured (secure by default).
/// </summary>
internal sealed class AuthOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        _ = ApiKeyStore.Load(options, failures);
        _ = ApiKeyStore.LoadCertificates(options, failures);
        if (options.ClientCertificates.Count > 0
            && !(Enum.TryParse<ClientCertificateMode>(configuration["Orchestrator:Tls:ClientCertificateMode"], ignoreCase: true, out var mode) && mode != ClientCertificateMode.NoCertificate))
        {
            failures.Add("Auth:ClientCertificates maps client certificates to credentials, but the orchestrator does not ask for them: set Orchestrator:Tls:CertificatePath, "
                + "Orchestrator:Tls:ClientCertificateMode=RequireCertificate (or AllowCertificate) and Orchestrator:Tls:ClientCaPath (the CA that signs them).");
        }

        CheckJwt(options.Jwt, failures);
        _ = CallerTokenIssuer.LoadSigningKey(options.ExecutorTokens, failures);
        if (options.ExecutorTokens.Lifetime <= TimeSpan.Zero || options.ExecutorTokens.Lifetime > TimeSpan.FromHours(1))
        {
            failures.Add($"Auth:ExecutorTokens:Lifetime is {options.ExecutorTokens.Lifetime}; set a duration above zero and at most 01:00:00 (the default is {ExecutorTokenOptions.DefaultLifetime}).");
        }

        if (string.IsNullOrWhiteSpace(options.ExecutorTokens.Issuer))
        {
            failures.Add($"Auth:ExecutorTokens:Issuer is empty; leave it unset for '{ExecutorTokenOptions.DefaultIssuer}'.");
        }

        if (options.Mode == AuthMode.Required && !options.HasCredentials)
        {
            failures.Add("Auth:Mode is Required but no credential is configured: set Auth:ApiKeys, Auth:ApiKeysFile, Auth:ClientCertificates, Auth:Jwt:Authority or Auth:Jwt:JwksPath.");
        }

        var exposed = ListeningAddresses.Configured(configuration).Where(url => !ListeningAddresses.IsLoopback(url)).ToList();
        if (options.Mode == AuthMode.Auto && !options.HasCredentials && exposed.Count > 0)
        {
            failures.Add($"The orchestrator would listen on {string.Join(", ", exposed)} (not loopback) without authentication. "
                + "Configure credentials (Auth:ApiKeys, Auth:ApiKeysFile, or Auth:Jwt:Authority / Auth:Jwt:JwksPath with Auth:Jwt:Audience), "
                + "listen on 127.0.0.1 only, or set Auth:Mode=None to serve anyone who can reach it on a trusted network.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckJwt(JwtOptions jwt, List<string> failures)
    {
        if (!jwt.Enabled)
        {
            if (!string.IsNullOrWhiteSpace(jwt.Audience) || !string.IsNullOrWhiteSpace(jwt.Issuer))
            {
                failures.Add("Auth:Jwt:Audience/Issuer are set but no signing keys: set Auth:Jwt:Authority or Auth:Jwt:JwksPath.");
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(jwt.Audience))
        {
            failures.Add("Auth:Jwt:Audience is required with JWT: the 'aud' your tokens are issued for (for example grpcworkflows).");
        }

        if (string.IsNullOrWhiteSpace(jwt.RoleClaim))
        {
            failures.Add($"Auth:Jwt:RoleClaim is empty; name the claim carrying the roles (default '{JwtOptions.DefaultRoleClaim}').");
        }

        if (!string.IsNullOrWhiteSpace(jwt.Authority) && !Uri.TryCreate(jwt.Authority, UriKind.Absolute, out _))
        {
            failures.Add($"Auth:Jwt:Authority '{jwt.Authority}' is not an absolute URL; give the issuer's base address (its /.well-known/openid-configuration is read).");
        }

        if (!string.IsNullOrWhiteSpace(jwt.JwksPath))
        {
            if (string.IsNullOrWhiteSpace(jwt.Issuer) && string.IsNullOrWhiteSpace(jwt.Authority))
            {
                failures.Add("Auth:Jwt:Issuer is required with Auth:Jwt:JwksPath: the 'iss' your tokens carry.");
            }

            try
            {
                if (new JsonWebKeySet(File.ReadAllText(jwt.JwksPath)).GetSigningKeys().Count == 0)
                {
                    failures.Add($"Auth:Jwt:JwksPath '{jwt.JwksPath}' holds no signing key.");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                failures.Add($"Auth:Jwt:JwksPath '{jwt.JwksPath}' could not be read as a JWKS ({ex.Message}); give a JSON file {{\"keys\": [...]}}.");
            }
        }
    }
}
