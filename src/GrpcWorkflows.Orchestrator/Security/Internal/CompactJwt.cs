using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace GrpcWorkflows.Orchestrator.Security.Internal;

/// <summary>
/// Writes the caller token of one attempt as a compact HS256 JWT (RFC 7519): header <c>{"alg":"HS256","typ":"JWT"}</c>,
/// payload <c>iss</c>, <c>aud</c>, <c>iat</c>, <c>nbf</c>, <c>exp</c>, <c>execution_id</c>, <c>step_id</c>, <c>attempt</c>
/// (the claims <see cref="Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler"/> made before), signed with
/// HMAC-SHA256.
/// </summary>
/// <remarks>
/// One allocation per token, the token string: the JSON and the signing input are written into buffers kept
/// per thread. A JWT library built the same token with ~40 objects and a dictionary of claims, which cost
/// 10–25 µs of the orchestrator's CPU on every attempt (docs/benchmarks.md). Thread-safe.
/// </remarks>
internal static class CompactJwt
{
    /// <summary>The base64url header, the same for every token.</summary>
    private static readonly byte[] Header = Encoding.ASCII.GetBytes(Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8) + ".");

    [ThreadStatic]
    private static Buffers? t_buffers;

    /// <summary>The signed token.</summary>
    public static string Sign(HmacKey key, JsonEncodedText issuer, JsonEncodedText audience, long issuedAt, long expires, string executionId, string stepId, int attempt)
    {
        var buffers = t_buffers ??= new Buffers();
        var payload = buffers.Payload;
        payload.ResetWrittenCount();
        var json = buffers.Json;
        json.Reset(payload);
        json.WriteStartObject();
        json.WriteString("iss"u8, issuer);
        json.WriteString("aud"u8, audience);
        json.WriteNumber("iat"u8, issuedAt);
        json.WriteNumber("nbf"u8, issuedAt);
        json.WriteNumber("exp"u8, expires);
        json.WriteString("execution_id"u8, executionId);
        json.WriteString("step_id"u8, stepId);
        json.WriteNumber("attempt"u8, attempt);
        json.WriteEndObject();
        json.Flush();

        // header "." payload "." signature, in base64url, ASCII.
        var written = payload.WrittenSpan;
        var length = Header.Length + Base64Url.GetEncodedLength(written.Length) + 1 + Base64Url.GetEncodedLength(HMACSHA256.HashSizeInBytes);
        var token = buffers.Token(length);
        Header.CopyTo(token);
        var at = Header.Length + Base64Url.EncodeToUtf8(written, token[Header.Length..]);
        Span<byte> signature = stackalloc byte[HMACSHA256.HashSizeInBytes];
        key.Sign(token[..at], signature);
        token[at++] = (byte)'.';
        at += Base64Url.EncodeToUtf8(signature, token[at..]);
        return Encoding.ASCII.GetString(token[..at]);
    }

    /// <summary>
    /// An HMAC-SHA256 key with a keyed hash kept ready: reusing it costs about half of what a one-shot
    /// <c>HMACSHA256.HashData</c> does (which keys a new context
    /// every time). Threads that find it busy sign one-shot rather than wait.
    /// </summary>
    internal sealed class HmacKey(byte[] key)
    {
        private readonly Lock _gate = new();
        private readonly IncrementalHash _hash = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);

        /// <summary>Writes the HMAC-SHA256 of <paramref name="data"/> to <paramref name="signature"/> (32 bytes).</summary>
        public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
        {
            if (!_gate.TryEnter())
            {
                HMACSHA256.HashData(key, data, signature);
                return;
            }

            try
            {
                _hash.AppendData(data);
                _hash.GetHashAndReset(signature);
            }
            finally
            {
                _gate.Exit();
            }
        }
    }

    /// <summary>The buffers of one thread.</summary>
    private sealed class Buffers
    {
        private byte[] _token = new byte[1024];

        public ArrayBufferWriter<byte> Payload { get; } = new(512);

        public Utf8JsonWriter Json { get; } = new(Stream.Null, new JsonWriterOptions { SkipValidation = true });

        public Span<byte> Token(int length)
        {
            if (_token.Length < length)
            {
                _token = new byte[Math.Max(length, _token.Length * 2)];
            }

            return _token;
        }
    }
}
