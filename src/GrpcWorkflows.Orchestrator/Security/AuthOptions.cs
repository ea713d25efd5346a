namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>Client authentication, bound from the configuration section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Auth";

    /// <summary>The metadata header that carries an API key.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>On, off, or decided by what is configured and where the orchestrator listens (the default).</summary>
    public AuthMode Mode { get; set; } = AuthMode.Auto;

    /// <summary>API keys given in configuration (or the environment: <c>Auth__ApiKeys__0__Sha256</c>, ...).</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>A JSON file holding more API keys: an array of <c>{"name", "role", "sha256"}</c> objects.</summary>
    public string? ApiKeysFile { get; set; }

    /// <summary>
    /// Client certificates accepted as credentials (mutual TLS: <c>Orchestrator:Tls:ClientCertificateMode</c> and
    /// <c>ClientCaPath</c>), typically executors': each entry as an API key (name, role, namespaces, step types) whose
    /// <see cref="ApiKeyOptions.Sha256"/> is the certificate's SHA-256 fingerprint. A call with no <c>x-api-key</c> and
    /// no bearer token is authenticated by its connection's certificate.
    /// </summary>
    public List<ApiKeyOptions> ClientCertificates { get; set; } = [];

    /// <summary>JWT bearer tokens; off unless an authority or a JWKS file is set.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>The caller tokens signed into every call to an executor (<c>Auth:ExecutorTokens</c>).</summary>
    public ExecutorTokenOptions ExecutorTokens { get; set; } = new();

    /// <summary>Whether any credential source is configured.</summary>
    public bool HasCredentials => ApiKeys.Count > 0 || !string.IsNullOrWhiteSpace(ApiKeysFile) || Jwt.Enabled || ClientCertificates.Count > 0;

    /// <summary>Whether calls are authenticated and authorized.</summary>
    public bool Enabled => Mode switch
    {
        AuthMode.None => false,
        AuthMode.Required => true,
        _ => HasCredentials,
    };
}
