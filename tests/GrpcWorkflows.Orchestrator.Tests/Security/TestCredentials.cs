using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GrpcWorkflows.Orchestrator.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>
/// Real credentials for tests: one random API key per role (configured by hash only) and JWTs
/// signed by an RSA key published in a JWKS file, plus the bad ones (unknown key, expired token,
/// token signed by another key).
/// </summary>
internal sealed class TestCredentials : IDisposable
{
    public const string Issuer = "https://issuer.test";
    public const string Audience = "grpcworkflows-tests";
    private const string KeyId = "test-key";

    private readonly RSA _signing = RSA.Create(2048);
    private readonly RSA _impostor = RSA.Create(2048);
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-auth-").FullName;

    public TestCredentials()
    {
        foreach (var role in Roles.All)
        {
            ApiKeys[role] = NewKey();
            OtherNamespaceApiKeys[role] = NewKey();
        }

        var parameters = _signing.ExportParameters(includePrivateParameters: false);
        var jwks = new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) } } };
        JwksPath = Path.Combine(_folder, "jwks.json");
        File.WriteAllText(JwksPath, JsonSerializer.Serialize(jwks));
    }

    /// <summary>The plain API key of each role (the orchestrator only sees their hashes).</summary>
    public Dictionary<string, string> ApiKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>The plain API key of each role scoped to the namespace <see cref="OtherNamespace"/> only.</summary>
    public Dictionary<string, string> OtherNamespaceApiKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>The namespace the "other namespace" credentials cover (not <c>default</c>).</summary>
    public const string OtherNamespace = "other";

    /// <summary>Extra API keys: (name, role, namespaces, step types) → the plain key, added to <see cref="Settings"/>.</summary>
    public List<(string Name, string Role, string[] Namespaces, string[] StepTypes, string Key)> ExtraKeys { get; } = [];

    public string JwksPath { get; }

    /// <summary>Adds an API key with its scopes; returns the plain key.</summary>
    public string AddKey(string name, string role, string[] namespaces, string[] stepTypes)
    {
        var key = NewKey();
        ExtraKeys.Add((name, role, namespaces, stepTypes, key));
        return key;
    }

    /// <summary>Call headers carrying the API key <paramref name="key"/>.</summary>
    public static Grpc.Core.Metadata Headers(string key) => new() { { AuthOptions.ApiKeyHeader, key } };

    private static readonly string[] AnyStepType = ["*"];
    private static readonly string[] OtherNamespaceOnly = [OtherNamespace];

    private static string NewKey() => "gwf_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>Orchestrator settings accepting the API keys (by SHA-256) and the JWTs.</summary>
    public Dictionary<string, string> Settings()
    {
        var settings = new Dictionary<string, string>
        {
            ["Auth:Jwt:JwksPath"] = JwksPath,
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
        };
        var keys = ApiKeys.Select(p => (Name: p.Key + "-key", Role: p.Key, Namespaces: Array.Empty<string>(), StepTypes: AnyStepType, Key: p.Value))
            .Concat(OtherNamespaceApiKeys.Select(p => (Name: p.Key + "-other-key", Role: p.Key, Namespaces: OtherNamespaceOnly, StepTypes: AnyStepType, Key: p.Value)))
            .Concat(ExtraKeys);
        var i = 0;
        foreach (var (name, role, namespaces, stepTypes, key) in keys)
        {
            settings[$"Auth:ApiKeys:{i}:Name"] = name;
            settings[$"Auth:ApiKeys:{i}:Role"] = role;
            settings[$"Auth:ApiKeys:{i}:Sha256"] = Sha256(key);
            for (var n = 0; n < namespaces.Length; n++)
            {
                settings[$"Auth:ApiKeys:{i}:Namespaces:{n}"] = namespaces[n];
            }

            for (var t = 0; t < stepTypes.Length; t++)
            {
                settings[$"Auth:ApiKeys:{i}:StepTypes:{t}"] = stepTypes[t];
            }

            i++;
        }

        return settings;
    }

    public static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A token for <paramref name="role"/>; expired when <paramref name="expired"/>, signed by an unknown key when <paramref name="badlySigned"/>.</summary>
    public string Token(string role, bool expired = false, bool badlySigned = false, string? inNamespace = null)
    {
        var now = DateTime.UtcNow;
        var expires = expired ? now.AddMinutes(-10) : now.AddMinutes(10);
        var key = new RsaSecurityKey(badlySigned ? _impostor : _signing) { KeyId = KeyId };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = expires.AddMinutes(-20),
            NotBefore = expires.AddMinutes(-20),
            Expires = expires,
            Claims = inNamespace is null
                ? new Dictionary<string, object> { ["sub"] = "user-" + role, [JwtOptions.DefaultRoleClaim] = role, [CallerPrincipal.StepTypeClaimType] = "*" }
                : new Dictionary<string, object> { ["sub"] = "user-" + role, [JwtOptions.DefaultRoleClaim] = role, [CallerPrincipal.StepTypeClaimType] = "*", [CallerPrincipal.NamespaceClaimType] = inNamespace },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    public void Dispose()
    {
        _signing.Dispose();
        _impostor.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
