namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>
/// Caller tokens: what the orchestrator signs into each call it makes to an executor (an <c>ExecuteStep</c>
/// call or a session attempt) so that the executor knows the call comes from its orchestrator and is meant
/// for it. Bound from <c>Auth:ExecutorTokens</c>; see docs/security.md.
/// </summary>
/// <remarks>
/// Each executor gets its own HMAC-SHA256 key, derived from the signing key and its executor id, with its
/// registration (<c>RegisterExecutorResponse.caller_token_key</c>, <c>SessionRegistered.caller_token_key</c>).
/// The signing key is generated at start unless configured; it is not persisted: every executor registers
/// or connects again after a restart and receives the new key then. Orchestrator replicas that share
/// executors must share it: set <see cref="SigningKey"/> or <see cref="SigningKeyFile"/>.
/// </remarks>
public sealed class ExecutorTokenOptions
{
    /// <summary>The default of <see cref="Lifetime"/>: 2 minutes.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(2);

    /// <summary>The default of <see cref="Issuer"/>.</summary>
    public const string DefaultIssuer = "grpcworkflows";

    /// <summary>The fewest bytes a configured signing key must hold.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>Whether calls to executors carry caller tokens and registrations receive keys. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The signing key, base64 (at least <see cref="MinimumKeyBytes"/> bytes); null: <see cref="SigningKeyFile"/>, else generated at start.</summary>
    public string? SigningKey { get; set; }

    /// <summary>A file holding the signing key, base64 (for example a mounted secret); used when <see cref="SigningKey"/> is not set.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>How long a token is valid after it is issued. Default <see cref="DefaultLifetime"/>.</summary>
    public TimeSpan Lifetime { get; set; } = DefaultLifetime;

    /// <summary>The tokens' issuer (<c>iss</c>). Default <see cref="DefaultIssuer"/>.</summary>
    public string Issuer { get; set; } = DefaultIssuer;
}
