using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace GrpcWorkflows.Orchestrator.Security.Internal;

/// <summary>
/// Signs the caller token of each call to an executor (HS256 JWT, audience = the executor id, bound to
/// the attempt) and hands each executor its key at registration. Each executor's key is HMAC-SHA256 of
/// its id under the orchestrator's signing key: an executor can check its own tokens and forge no other
/// executor's, and replicas sharing the signing key derive the same keys without storing any.
/// </summary>
/// <remarks>
/// HMAC rather than ES256: signing costs a few microseconds instead of tens, on every attempt, and the key
/// reaches only its executor, over its authenticated registration call. Tokens are written by
/// <see cref="CompactJwt"/> (one string allocated per token) rather than by a JWT library; executors check
/// them with theirs. Thread-safe.
/// </remarks>
internal sealed class CallerTokenIssuer
{
    /// <summary>The claim naming the execution the token is bound to.</summary>
    public const string ExecutionIdClaim = "execution_id";

    /// <summary>The claim naming the step the token is bound to.</summary>
    public const string StepIdClaim = "step_id";

    /// <summary>The claim holding the attempt number the token is bound to.</summary>
    public const string AttemptClaim = "attempt";

    private const int MaxCachedCredentials = 4096;
    private static readonly byte[] DerivationLabel = Encoding.UTF8.GetBytes("grpcworkflows caller token key v1\n");

    private readonly byte[] _signingKey;
    private readonly ExecutorTokenOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly JsonEncodedText _issuer;
    private readonly long _lifetimeSeconds;
    private readonly ConcurrentDictionary<string, AudienceSigner> _audiences = new(StringComparer.Ordinal);

    /// <summary>Creates the issuer from <c>Auth:ExecutorTokens</c>; generates the signing key when none is configured.</summary>
    public CallerTokenIssuer(IOptions<AuthOptions> options, TimeProvider timeProvider, ILogger<CallerTokenIssuer> logger)
    {
        _options = options.Value.ExecutorTokens;
        _timeProvider = timeProvider;
        var failures = new List<string>();
        var configured = LoadSigningKey(_options, failures);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(AuthOptions.SectionName, typeof(AuthOptions), failures);
        }

        _signingKey = configured ?? RandomNumberGenerator.GetBytes(ExecutorTokenOptions.MinimumKeyBytes);
        _issuer = JsonEncodedText.Encode(_options.Issuer);
        _lifetimeSeconds = (long)_options.Lifetime.TotalSeconds;
        if (_options.Enabled)
        {
            Log.CallerTokensReady(logger, configured is null ? "generated at start (replicas sharing executors need Auth:ExecutorTokens:SigningKey)" : "configured", _options.Lifetime);
        }
    }

    /// <summary>Whether calls carry caller tokens.</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>The key executor <paramref name="executorId"/> checks its tokens with; null when tokens are off.</summary>
    public CallerTokenKey? KeyFor(string executorId) => _options.Enabled
        ? new CallerTokenKey { Algorithm = SecurityAlgorithms.HmacSha256, Key = ByteString.CopyFrom(DeriveKey(executorId)), Issuer = _options.Issuer, Audience = executorId }
        : null;

    /// <summary>The token of one call to executor <paramref name="audience"/> for <paramref name="request"/>; null when tokens are off or the executor is unknown.</summary>
    public string? Issue(string? audience, ExecuteStepRequest request)
    {
        if (!_options.Enabled || string.IsNullOrEmpty(audience))
        {
            return null;
        }

        if (!_audiences.TryGetValue(audience, out var signer))
        {
            if (_audiences.Count >= MaxCachedCredentials)
            {
                _audiences.Clear();
            }

            signer = _audiences.GetOrAdd(audience, static (id, self) => new AudienceSigner(new CompactJwt.HmacKey(self.DeriveKey(id)), JsonEncodedText.Encode(id)), this);
        }

        var now = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        return CompactJwt.Sign(signer.Key, _issuer, signer.Audience, now, now + _lifetimeSeconds, request.ExecutionId, request.StepId, request.Attempt);
    }

    /// <summary>Reads the configured signing key (<see cref="ExecutorTokenOptions.SigningKey"/>, else the file); null when none is configured. Problems go to <paramref name="failures"/>.</summary>
    public static byte[]? LoadSigningKey(ExecutorTokenOptions options, List<string> failures)
    {
        string text;
        string source;
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
        {
            (text, source) = (options.SigningKey, "Auth:ExecutorTokens:SigningKey");
        }
        else if (!string.IsNullOrWhiteSpace(options.SigningKeyFile))
        {
            source = $"Auth:ExecutorTokens:SigningKeyFile ('{options.SigningKeyFile}')";
            try
            {
                text = File.ReadAllText(options.SigningKeyFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                failures.Add($"{source} cannot be read: {e.Message}");
                return null;
            }
        }
        else
        {
            return null;
        }

        var key = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(text.Trim(), key, out var length) || length < ExecutorTokenOptions.MinimumKeyBytes)
        {
            failures.Add($"{source} must be base64 of at least {ExecutorTokenOptions.MinimumKeyBytes.ToString(CultureInfo.InvariantCulture)} random bytes (for example the output of `openssl rand -base64 32`).");
            return null;
        }

        return key[..length];
    }

    private byte[] DeriveKey(string executorId)
    {
        var id = Encoding.UTF8.GetBytes(executorId);
        var input = new byte[DerivationLabel.Length + id.Length];
        DerivationLabel.CopyTo(input, 0);
        id.CopyTo(input, DerivationLabel.Length);
        return HMACSHA256.HashData(_signingKey, input);
    }

    /// <summary>What signing for one executor needs, derived once: its key and its id as a JSON string.</summary>
    private sealed record AudienceSigner(CompactJwt.HmacKey Key, JsonEncodedText Audience);
}
