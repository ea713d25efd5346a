namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>JWT bearer tokens: whose signing keys to trust, and which claim carries the roles.</summary>
public sealed class JwtOptions
{
    /// <summary>The default <see cref="RoleClaim"/>: <c>roles</c>.</summary>
    public const string DefaultRoleClaim = "roles";

    /// <summary>An OIDC authority (its discovery document gives the issuer and the signing keys), for example <c>https://login.example.com/realms/team</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>A JWKS file (JSON <c>{"keys": [...]}</c>) of the signing keys, for issuers without discovery; needs <see cref="Issuer"/>.</summary>
    public string? JwksPath { get; set; }

    /// <summary>The expected <c>iss</c>; taken from the authority when one is set.</summary>
    public string? Issuer { get; set; }

    /// <summary>The expected <c>aud</c>; required.</summary>
    public string? Audience { get; set; }

    /// <summary>The claim that carries the role(s): one role, several claims, or a space- or comma-separated list.</summary>
    public string RoleClaim { get; set; } = DefaultRoleClaim;

    /// <summary>The claim that carries the namespaces a token covers (<c>*</c> for all); without it a token covers <c>default</c>.</summary>
    public string NamespaceClaim { get; set; } = CallerPrincipal.NamespaceClaimType;

    /// <summary>The claim that carries the step types an executor token may register (<c>*</c> for all).</summary>
    public string StepTypeClaim { get; set; } = CallerPrincipal.StepTypeClaimType;

    /// <summary>Whether an authority must be reached over HTTPS (the default); turn off only for a local test authority.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Whether a JWT source is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(JwksPath);
}
