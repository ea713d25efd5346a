using System.Text.Json;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>
/// What a caller token's payload says, read in one pass and compared as it is read (strings unescaped by the reader,
/// nothing allocated): which key its audience names, which keys' issuer it has, its times, and whether it is bound
/// to the attempt of the request.
/// </summary>
internal struct CallerTokenClaims
{
    private const int Issuer = 1, Audience = 2, Expiry = 4, NotBeforeClaim = 8, ExecutionId = 16, StepId = 32, AttemptClaim = 64;

    /// <summary>Not a JSON object.</summary>
    public bool Malformed;

    /// <summary>A claim read here appears twice.</summary>
    public bool Repeated;

    /// <summary>A claim read here has the wrong JSON type (a string <c>exp</c>, a non-integer <c>attempt</c>, ...).</summary>
    public bool WrongType;

    /// <summary>The key the (first) audience names, or -1.</summary>
    public int KeyIndex;

    /// <summary>Bit <c>i</c> set when the issuer is key <c>i</c>'s.</summary>
    public int IssuerMatches;

    /// <summary><c>exp</c>, in seconds since the Unix epoch.</summary>
    public long? Expires;

    /// <summary><c>nbf</c>, in seconds since the Unix epoch.</summary>
    public long? NotBefore;

    /// <summary><c>execution_id</c> is the request's.</summary>
    public bool ExecutionMatches;

    /// <summary><c>step_id</c> is the request's.</summary>
    public bool StepMatches;

    /// <summary><c>attempt</c> is the request's.</summary>
    public bool AttemptMatches;

    /// <summary>Reads the payload <paramref name="json"/>, comparing its claims with <paramref name="keys"/> and <paramref name="request"/>.</summary>
    public static CallerTokenClaims Read(ReadOnlySpan<byte> json, ReadOnlySpan<Hs256Token.Key> keys, ExecuteStepRequest request)
    {
        var claims = new CallerTokenClaims { KeyIndex = -1 };
        var seen = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                claims.Malformed = true;
                return claims;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var claim = Name(ref reader);
                reader.Read();
                claims.Repeated |= (seen & claim) != 0;
                seen |= claim;
                switch (claim)
                {
                    case Issuer when reader.TokenType == JsonTokenType.String:
                        for (var i = 0; i < keys.Length; i++)
                        {
                            claims.IssuerMatches |= reader.ValueTextEquals(keys[i].Issuer) ? 1 << i : 0;
                        }

                        break;
                    case Audience:
                        claims.ReadAudience(ref reader, keys);
                        break;
                    case Expiry when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var expires):
                        claims.Expires = expires;
                        break;
                    case NotBeforeClaim when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var notBefore):
                        claims.NotBefore = notBefore;
                        break;
                    case ExecutionId when reader.TokenType == JsonTokenType.String:
                        claims.ExecutionMatches = reader.ValueTextEquals(request.ExecutionId);
                        break;
                    case StepId when reader.TokenType == JsonTokenType.String:
                        claims.StepMatches = reader.ValueTextEquals(request.StepId);
                        break;
                    case AttemptClaim when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var attempt):
                        claims.AttemptMatches = attempt == request.Attempt;
                        break;
                    case 0:
                        reader.Skip();
                        break;
                    default:
                        claims.WrongType = true;
                        reader.Skip();
                        break;
                }
            }

            claims.Malformed = reader.TokenType != JsonTokenType.EndObject || reader.Read();
        }
        catch (JsonException)
        {
            claims.Malformed = true;
        }

        return claims;
    }

    /// <summary><c>aud</c>: a string, or an array of strings whose first names the key (as <c>JsonWebToken.Audiences.First()</c> did).</summary>
    private void ReadAudience(ref Utf8JsonReader reader, ReadOnlySpan<Hs256Token.Key> keys)
    {
        var array = reader.TokenType == JsonTokenType.StartArray;
        var first = true;
        while (!array || (reader.Read() && reader.TokenType != JsonTokenType.EndArray))
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                WrongType = true;
                reader.Skip();
            }
            else if (first)
            {
                for (var i = 0; i < keys.Length && KeyIndex < 0; i++)
                {
                    KeyIndex = reader.ValueTextEquals(keys[i].Audience) ? i : -1;
                }
            }

            first = false;
            if (!array)
            {
                return;
            }
        }
    }

    private static int Name(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("iss"u8) ? Issuer
        : reader.ValueTextEquals("aud"u8) ? Audience
        : reader.ValueTextEquals("exp"u8) ? Expiry
        : reader.ValueTextEquals("nbf"u8) ? NotBeforeClaim
        : reader.ValueTextEquals("execution_id"u8) ? ExecutionId
        : reader.ValueTextEquals("step_id"u8) ? StepId
        : reader.ValueTextEquals("attempt"u8) ? AttemptClaim
        : 0;
}
