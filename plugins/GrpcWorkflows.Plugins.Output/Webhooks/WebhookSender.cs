using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GrpcWorkflows.Executor;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Plugins.Output.Webhooks;

/// <summary>
/// POSTs JSON to webhooks through one pooled <see cref="HttpClient"/> whose connections are made by
/// <see cref="WebhookAddressPolicy.ConnectAsync"/>; maps answers to step errors (5xx and 429 retryable, other 4xx not).
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the sender.</summary>
    /// <param name="options">The output options (the allowlist).</param>
    /// <param name="timeProvider">The clock, for <c>Retry-After</c> dates; the system clock when null.</param>
    public WebhookSender(IOptions<OutputOptions> options, TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        Policy = new WebhookAddressPolicy([.. options.Value.Webhook.Allowlist]);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = Policy.ConnectAsync,
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The address policy applied to every connection.</summary>
    public WebhookAddressPolicy Policy { get; }

    /// <summary>Sends <paramref name="json"/>; returns the HTTP status code of a 2xx answer.</summary>
    /// <param name="request">The delivery.</param>
    /// <param name="json">The body.</param>
    /// <param name="idempotencyKey">Sent as <c>Idempotency-Key</c> unless the step sets that header itself.</param>
    /// <param name="cancellationToken">The step's cancellation.</param>
    /// <returns>The status code.</returns>
    /// <exception cref="StepFailedException">Refused destination, timeout, transport failure or non-2xx answer.</exception>
    public async Task<int> SendAsync(WebhookRequest request, string json, string idempotencyKey, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Url)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in request.Headers)
        {
            // Checked again here, whoever built the request: no value may carry CR/LF into the request.
            if (WebhookHeaders.Problem(name, value) is { } problem)
            {
                throw StepFailedException.InvalidInput($"webhook header '{name}': {problem}");
            }

            message.Headers.TryAddWithoutValidation(name, value);
        }

        if (!message.Headers.Contains("Idempotency-Key") && !string.IsNullOrEmpty(idempotencyKey))
        {
            message.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(request.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (HttpRequestException ex) when (FindRefusal(ex) is { } refusal)
        {
            throw StepFailedException.NonRetryable("PERMISSION_DENIED", refusal.Message);
        }
        catch (HttpRequestException ex)
        {
            throw StepFailedException.Retryable("UNAVAILABLE", $"webhook {Describe(request.Url)} could not be reached: {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw StepFailedException.Retryable("DEADLINE_EXCEEDED", $"webhook {Describe(request.Url)} did not answer within {request.Timeout.TotalSeconds:0.###} s.");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return status;
            }

            var body = await ReadSnippetAsync(response, cancellationToken);
            var what = $"webhook {Describe(request.Url)} answered {status} {response.ReasonPhrase}{body}";
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                throw StepFailedException.Retryable("RESOURCE_EXHAUSTED", what, RetryAfter(response.Headers.RetryAfter, _timeProvider.GetUtcNow()));
            }

            if (status >= 500)
            {
                throw StepFailedException.Retryable("UNAVAILABLE", what, RetryAfter(response.Headers.RetryAfter, _timeProvider.GetUtcNow()));
            }

            throw StepFailedException.NonRetryable("FAILED_PRECONDITION", what);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    private static WebhookDestinationRefusedException? FindRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is WebhookDestinationRefusedException refusal)
            {
                return refusal;
            }
        }

        return null;
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } when date > now => date - now,
        _ => null,
    };

    private static string Describe(Uri url) => $"{url.Scheme}://{url.Authority}{url.AbsolutePath}";

    private static async Task<string> ReadSnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            text = text.Trim();
            return text.Length == 0 ? string.Empty : $": {(text.Length > 200 ? text[..200] + "…" : text)}";
        }
        catch (HttpRequestException)
        {
            return string.Empty;
        }
    }
}
