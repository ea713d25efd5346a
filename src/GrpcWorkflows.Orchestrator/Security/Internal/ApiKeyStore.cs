using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GrpcWorkflows.Engine.Namespaces;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Security.Internal;

/// <summary>
/// The API keys the orchestrator accepts, from <see cref="AuthOptions.ApiKeys"/> and
/// <see cref="AuthOptions.ApiKeysFile"/>, held as SHA-256 hashes and compared in constant time; and the client
/// certificates accepted as credentials (<see cref="AuthOptions.ClientCertificates"/>), by SHA-256 fingerprint.
/// </summary>
internal sealed class ApiKeyStore
{
    private static readonly JsonSerializerOptions FileFormat = new() { PropertyNameCaseInsensitive = true };

    private readonly (ApiKeyOptions Key, byte[] Hash)[] _keys;
    private readonly (ApiKeyOptions Key, byte[] Hash)[] _certificates;

    public ApiKeyStore(IOptions<AuthOptions> options)
    {
        _keys = [.. Load(options.Value, []).Select(key => (key, Convert.FromHexString(key.Sha256)))];
        _certificates = [.. LoadCertificates(options.Value, []).Select(entry => (entry, Convert.FromHexString(Fingerprint(entry.Sha256))))];
    }

    /// <summary>How many keys are accepted.</summary>
    public int Count => _keys.Length;

    /// <summary>How many client certificates are accepted as credentials.</summary>
    public int CertificateCount => _certificates.Length;

    /// <summary>The credential of the client certificate <paramref name="certificate"/> (by its SHA-256 fingerprint), or null.</summary>
    public ApiKeyOptions? FindCertificate(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        if (!certificate.TryGetCertHash(HashAlgorithmName.SHA256, hash, out _))
        {
            return null;
        }

        foreach (var (entry, stored) in _certificates)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, stored))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// Every valid entry of <see cref="AuthOptions.ClientCertificates"/>; each problem (with the setting to change)
    /// is added to <paramref name="problems"/> and its entry left out.
    /// </summary>
    public static IReadOnlyList<ApiKeyOptions> LoadCertificates(AuthOptions options, List<string> problems)
    {
        var entries = new List<ApiKeyOptions>();
        Check(
            [.. options.ClientCertificates.Select(c => new ApiKeyOptions { Name = c.Name, Role = c.Role, Namespaces = c.Namespaces, StepTypes = c.StepTypes, Sha256 = Fingerprint(c.Sha256) })],
            $"{AuthOptions.SectionName}:{nameof(AuthOptions.ClientCertificates)}",
            entries,
            problems,
            "the 64 hexadecimal digits of the certificate's SHA-256 fingerprint (openssl x509 -noout -fingerprint -sha256 -in client.crt; colons are ignored)");
        return entries;
    }

    /// <summary>A fingerprint without its separators (<c>AB:CD:...</c> → <c>ABCD...</c>).</summary>
    private static string Fingerprint(string text) => text.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);

    /// <summary>The key whose hash matches <paramref name="presented"/>, or null. Every stored hash is compared, each in constant time.</summary>
    public ApiKeyOptions? Find(string presented)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        ApiKeyOptions? match = null;
        foreach (var (key, stored) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, stored))
            {
                match ??= key;
            }
        }

        return match;
    }

    /// <summary>
    /// Every valid key of configuration and the keys file; each problem (with the setting to change)
    /// is added to <paramref name="problems"/> and its key left out.
    /// </summary>
    public static IReadOnlyList<ApiKeyOptions> Load(AuthOptions options, List<string> problems)
    {
        var keys = new List<ApiKeyOptions>();
        Check(options.ApiKeys, $"{AuthOptions.SectionName}:{nameof(AuthOptions.ApiKeys)}", keys, problems);
        if (!string.IsNullOrWhiteSpace(options.ApiKeysFile))
        {
            var setting = $"{AuthOptions.SectionName}:{nameof(AuthOptions.ApiKeysFile)}";
            try
            {
                var fromFile = JsonSerializer.Deserialize<List<ApiKeyOptions>>(File.ReadAllText(options.ApiKeysFile), FileFormat) ?? [];
                Check(fromFile, $"{setting} '{options.ApiKeysFile}'", keys, problems);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                problems.Add($"{setting} '{options.ApiKeysFile}' could not be read ({ex.Message}); give a JSON array of {{\"name\", \"role\", \"sha256\", \"namespaces\", \"stepTypes\"}} objects.");
            }
        }

        return keys;
    }

    private static void Check(List<ApiKeyOptions> candidates, string where, List<ApiKeyOptions> keys, List<string> problems,
        string sha256 = "the 64 hexadecimal digits of the key's SHA-256 (printf %s \"$KEY\" | sha256sum), not the key itself")
    {
        for (var i = 0; i < candidates.Count; i++)
        {
            var key = candidates[i];
            var before = problems.Count;
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                problems.Add($"{where}[{i}]: Name is empty; give each key a name (it appears in logs).");
            }

            if (!Roles.IsKnown(key.Role))
            {
                problems.Add($"{where}[{i}] '{key.Name}': Role '{key.Role}' is not one of {string.Join(", ", Roles.All)}.");
            }

            if (key.Sha256.Length != SHA256.HashSizeInBytes * 2 || !key.Sha256.All(char.IsAsciiHexDigit))
            {
                problems.Add($"{where}[{i}] '{key.Name}': Sha256 must be {sha256}.");
            }

            foreach (var name in key.Namespaces.Where(n => n != ExecutionNamespace.All))
            {
                if (ExecutionNamespace.Problem(name) is { } problem)
                {
                    problems.Add($"{where}[{i}] '{key.Name}': the namespace '{name}' {problem} Use '*' for every namespace.");
                }
            }

            if (problems.Count == before)
            {
                keys.Add(key);
            }
        }
    }
}
