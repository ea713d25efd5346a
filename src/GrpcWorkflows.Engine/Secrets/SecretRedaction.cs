using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Dispatch;

namespace GrpcWorkflows.Engine.Secrets;

/// <summary>Replaces secret values in what an executor sends back (output, error message) before the engine records it.</summary>
public static class SecretRedaction
{
    /// <summary>What stands in the place of a secret value in a recorded output or error.</summary>
    public const string Marker = "[redacted]";

    /// <summary><paramref name="text"/> with every occurrence of each of <paramref name="secrets"/> replaced by <see cref="Marker"/>.</summary>
    public static string Redact(string text, IReadOnlyList<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(secrets);
        foreach (var secret in secrets)
        {
            if (secret.Length > 0 && text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Marker, StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>The result with secret values redacted from its output (string values and keys, at any depth) and its error message.</summary>
    public static StepAttemptResult Redact(StepAttemptResult result, IReadOnlyList<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(secrets);
        if (secrets.Count == 0)
        {
            return result;
        }

        var ordered = secrets.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToList();
        var error = result.Error;
        if (error is not null && Redact(error.Message, ordered) is var message && !ReferenceEquals(message, error.Message))
        {
            error = error.Clone();
            error.Message = message;
        }

        return result with { Output = result.Output is null ? null : RedactStruct(result.Output, ordered), Error = error };
    }

    private static Struct RedactStruct(Struct source, IReadOnlyList<string> secrets)
    {
        var result = new Struct();
        foreach (var (key, value) in source.Fields)
        {
            result.Fields[Redact(key, secrets)] = RedactValue(value, secrets);
        }

        return result;
    }

    private static Value RedactValue(Value value, IReadOnlyList<string> secrets) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => Value.ForString(Redact(value.StringValue, secrets)),
        Value.KindOneofCase.StructValue => Value.ForStruct(RedactStruct(value.StructValue, secrets)),
        Value.KindOneofCase.ListValue => Value.ForList([.. value.ListValue.Values.Select(item => RedactValue(item, secrets))]),
        _ => value,
    };
}
