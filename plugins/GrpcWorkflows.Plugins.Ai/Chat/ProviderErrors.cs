using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Ai.Chat;

/// <summary>
/// Turns a chat provider's HTTP error into a step failure: 429 and 5xx are retryable, no sooner than the response's
/// <c>retry-after-ms</c> or <c>Retry-After</c> (seconds or an HTTP date); every other 4xx is not; a provider that
/// cannot be reached is retryable <c>UNAVAILABLE</c>.
/// </summary>
internal static class ProviderErrors
{
    /// <summary>The longest provider message quoted in a step error.</summary>
    public const int MaxQuotedLength = 300;

    public static StepFailedException ToStepFailure(ClientResultException exception, TimeProvider timeProvider)
    {
        var status = exception.Status;
        var response = exception.GetRawResponse();
        var detail = ProviderMessage(exception, response);
        if (status == 0 || response is null)
        {
            return new StepFailedException("UNAVAILABLE", $"The chat provider could not be reached: {detail}", retryable: true, innerException: exception);
        }

        var retryAfter = RetryAfter(response, timeProvider);
        var after = retryAfter is { } delay ? string.Create(CultureInfo.InvariantCulture, $" (retry after {delay.TotalSeconds:0.###} s)") : "";
        return status switch
        {
            429 => new StepFailedException("RESOURCE_EXHAUSTED", $"The chat provider is rate limiting (HTTP 429){after}: {detail}", retryable: true, retryAfter, innerException: exception),
            >= 500 => new StepFailedException("UNAVAILABLE", $"The chat provider failed (HTTP {status}){after}: {detail}", retryable: true, retryAfter, innerException: exception),
            400 or 422 => new StepFailedException("INVALID_ARGUMENT", $"The chat provider rejected the request (HTTP {status}): {detail}", retryable: false, innerException: exception),
            401 => new StepFailedException("UNAUTHENTICATED", $"The chat provider refused the credentials (HTTP 401); check Ai:Chat:ApiKey: {detail}", retryable: false, innerException: exception),
            403 => new StepFailedException("PERMISSION_DENIED", $"The chat provider denied the request (HTTP 403): {detail}", retryable: false, innerException: exception),
            404 => new StepFailedException("NOT_FOUND", $"The chat provider answered HTTP 404; check {ChatProviderOptions.EndpointKey} (it must end with the API version, e.g. /v1) and the model: {detail}", retryable: false, innerException: exception),
            _ => new StepFailedException("FAILED_PRECONDITION", $"The chat provider answered HTTP {status}: {detail}", retryable: false, innerException: exception),
        };
    }

    /// <summary>The delay a response asks for: <c>retry-after-ms</c>, else <c>Retry-After</c> in seconds or as an HTTP date.</summary>
    public static TimeSpan? RetryAfter(PipelineResponse response, TimeProvider timeProvider)
    {
        if (response.Headers.TryGetValue("retry-after-ms", out var milliseconds)
            && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (!response.Headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>The provider's own words: <c>error.message</c> of an OpenAI-style error body, else the exception's first line.</summary>
    private static string ProviderMessage(ClientResultException exception, PipelineResponse? response)
    {
        string? message = null;
        try
        {
            var content = response?.Content?.ToString();
            if (!string.IsNullOrWhiteSpace(content))
            {
                using var document = JsonDocument.Parse(content);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("error", out var error))
                {
                    message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String
                        ? text.GetString()
                        : error.ValueKind == JsonValueKind.String ? error.GetString() : null;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: fall back to the exception's message.
        }
        catch (InvalidOperationException)
        {
            // The content was not buffered: fall back to the exception's message.
        }

        message ??= (exception.InnerException?.Message ?? exception.Message).Split('\n')[0];
        return message.Length <= MaxQuotedLength ? message : message[..MaxQuotedLength] + "…";
    }
}
