using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>
/// Reads and checks one compact HS256 JWT (RFC 7515/7519) as the orchestrator writes caller tokens: three base64url
/// segments, a header whose <c>alg</c> is <c>HS256</c>, a payload with <c>iss</c>, <c>aud</c>, <c>exp</c>, optional
/// <c>nbf</c>, and the attempt's <c>execution_id</c>, <c>step_id</c> and <c>attempt</c>; the signature an HMAC-SHA256
/// of <c>header.payload</c> with the executor's key, compared in constant time.
/// </summary>
/// <remarks>
/// Every check <c>JsonWebTokenHandler</c> made with the verifier's parameters (signature, algorithm, issuer, audience),
/// and the verifier's own (lifetime on the injected clock, the attempt binding), made in one pass over the decoded
/// JSON without building claims: the token library took 7–13 µs and ~4 KB per attempt (docs/benchmarks.md), this
/// allocates nothing when the token is good. Stricter than the library where a token could only come from elsewhere:
/// a repeated claim, a claim of the wrong JSON type, a <c>crit</c> header or padding in a segment are refused.
/// Thread-safe.
/// </remarks>
internal static class Hs256Token
{
    /// <summary>Tokens longer than this are refused unread (the token library's default limit is 250 KB; ours are ~350 characters).</summary>
    internal const int MaxLength = 64 * 1024;

    private const int StackLimit = 1024;

    private static readonly SearchValues<char> Base64UrlChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>What the check found, in the order the checks run.</summary>
    internal enum Verdict
    {
        /// <summary>Every check passed.</summary>
        Valid,

        /// <summary>Not three base64url segments of JSON objects.</summary>
        NotJwt,

        /// <summary>The audience is none of the keys' (the caller token is for another executor, or there is no key yet).</summary>
        NoKey,

        /// <summary>A well-formed token that fails a check other than those below (algorithm, claim types, repeated claims).</summary>
        Invalid,

        /// <summary>The signature is not the HMAC of the key the audience names.</summary>
        BadSignature,

        /// <summary>The issuer is not the key's.</summary>
        BadIssuer,

        /// <summary>No <c>exp</c> claim.</summary>
        NoExpiry,

        /// <summary>Expired, beyond the clock skew.</summary>
        Expired,

        /// <summary><c>nbf</c> is ahead of now, beyond the clock skew.</summary>
        NotYetValid,

        /// <summary>Signed for another execution, step or attempt.</summary>
        OtherAttempt,
    }

    /// <summary>Checks <paramref name="token"/> for <paramref name="request"/> against <paramref name="keys"/> (at most two) at <paramref name="now"/>.</summary>
    public static Verdict Check(string token, ExecuteStepRequest request, ReadOnlySpan<Key> keys, DateTimeOffset now, TimeSpan skew)
    {
        if (token.Length > MaxLength)
        {
            return Verdict.NotJwt;
        }

        var first = token.IndexOf('.');
        var second = first < 0 ? -1 : token.IndexOf('.', first + 1);
        if (second < 0 || token.IndexOf('.', second + 1) >= 0
            || token.AsSpan(0, first).IndexOfAnyExcept(Base64UrlChars) >= 0
            || token.AsSpan(first + 1, second - first - 1).IndexOfAnyExcept(Base64UrlChars) >= 0
            || token.AsSpan(second + 1).IndexOfAnyExcept(Base64UrlChars) >= 0)
        {
            return Verdict.NotJwt;
        }

        // One buffer for the decoded header and payload, then the ASCII signing input.
        byte[]? rented = null;
        var buffer = second <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(second));
        try
        {
            if (!TryDecode(token.AsSpan(0, first), buffer, out var headerLength)
                || !TryDecode(token.AsSpan(first + 1, second - first - 1), buffer[headerLength..], out var payloadLength))
            {
                return Verdict.NotJwt;
            }

            var algorithmOk = ReadHeader(buffer[..headerLength]);
            if (algorithmOk is null)
            {
                return Verdict.NotJwt;
            }

            var claims = CallerTokenClaims.Read(buffer.Slice(headerLength, payloadLength), keys, request);
            if (claims.Malformed)
            {
                return Verdict.NotJwt;
            }

            if (claims.KeyIndex < 0)
            {
                return Verdict.NoKey;
            }

            if (claims.Repeated || claims.WrongType || algorithmOk == false)
            {
                return Verdict.Invalid;
            }

            Span<byte> signature = stackalloc byte[HMACSHA256.HashSizeInBytes + 3];
            var signingInput = buffer[..second];
            System.Text.Encoding.ASCII.GetBytes(token.AsSpan(0, second), signingInput);
            if (!TryDecode(token.AsSpan(second + 1), signature, out var signatureLength)
                || signatureLength != HMACSHA256.HashSizeInBytes
                || !keys[claims.KeyIndex].Verify(signingInput, signature[..signatureLength]))
            {
                return Verdict.BadSignature;
            }

            var key = 1 << claims.KeyIndex;
            if ((claims.IssuerMatches & key) == 0)
            {
                return Verdict.BadIssuer;
            }

            var nowSeconds = (now - DateTimeOffset.UnixEpoch).TotalSeconds;
            if (claims.Expires is not { } expires)
            {
                return Verdict.NoExpiry;
            }

            if (nowSeconds > expires + skew.TotalSeconds)
            {
                return Verdict.Expired;
            }

            if (claims.NotBefore is { } notBefore && nowSeconds < notBefore - skew.TotalSeconds)
            {
                return Verdict.NotYetValid;
            }

            return claims.ExecutionMatches && claims.StepMatches && claims.AttemptMatches ? Verdict.Valid : Verdict.OtherAttempt;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The token's first audience (for the message refusing a token meant for another executor); empty when it has none or cannot be read.</summary>
    public static string Audience(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || token.Length > MaxLength)
        {
            return string.Empty;
        }

        try
        {
            var reader = new Utf8JsonReader(Base64Url.DecodeFromChars(parts[1]));
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isAudience = reader.ValueTextEquals("aud"u8);
                reader.Read();
                if (isAudience && reader.TokenType == JsonTokenType.StartArray)
                {
                    reader.Read();
                }

                if (isAudience)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() ?? string.Empty : string.Empty;
                }

                reader.Skip();
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            // Unreadable: no audience to name.
        }

        return string.Empty;
    }

    /// <summary>Decodes one whole non-empty base64url segment; false (never an exception) when it is not one or does not fit.</summary>
    private static bool TryDecode(ReadOnlySpan<char> segment, Span<byte> destination, out int written)
    {
        written = 0;
        return segment.Length > 0
            && Base64Url.DecodeFromChars(segment, destination, out var consumed, out written) == OperationStatus.Done
            && consumed == segment.Length && written > 0;
    }

    /// <summary>Null when the header is not a JSON object with a string <c>alg</c> (or has <c>crit</c>); else whether <c>alg</c> is HS256.</summary>
    private static bool? ReadHeader(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            bool? algorithmOk = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isAlgorithm = reader.ValueTextEquals("alg"u8);
                if (reader.ValueTextEquals("crit"u8) || (isAlgorithm && algorithmOk is not null))
                {
                    return false;
                }

                reader.Read();
                if (isAlgorithm)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return null;
                    }

                    algorithmOk = reader.ValueTextEquals("HS256"u8);
                }

                reader.Skip();
            }

            return reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? algorithmOk : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A key a registration brought (issuer, audience, secret), with an HMAC context kept keyed for it.</summary>
    internal sealed class Key(string issuer, string audience, byte[] secret)
    {
        private readonly Lock _gate = new();
        private readonly IncrementalHash _hash = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);

        /// <summary>The issuer the orchestrator signs as.</summary>
        public string Issuer { get; } = issuer;

        /// <summary>The audience: this executor's id.</summary>
        public string Audience { get; } = audience;

        /// <summary>Whether <paramref name="signature"/> is the HMAC-SHA256 of <paramref name="data"/> (constant time); a busy context makes a one-shot HMAC instead of waiting.</summary>
        public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
            if (_gate.TryEnter())
            {
                try
                {
                    _hash.AppendData(data);
                    _hash.GetHashAndReset(expected);
                }
                finally
                {
                    _gate.Exit();
                }
            }
            else
            {
                HMACSHA256.HashData(secret, data, expected);
            }

            return CryptographicOperations.FixedTimeEquals(expected, signature);
        }
    }
}
