using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Executor.Files;
using GrpcWorkflows.Plugins.Output.Files;
using GrpcWorkflows.Plugins.Output.Internal;
using GrpcWorkflows.Plugins.Output.Webhooks;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Plugins.Output;

/// <summary>
/// The <c>output</c> step: delivers a payload to any combination of the execution result, a file, a webhook and the
/// log, and returns <c>{"result": payload, "delivered": {...}}</c>.
/// </summary>
/// <remarks>
/// The payload is the input's <c>result</c> when given, else the dependencies' outputs merged (step-id order, later
/// wins). <c>file</c> and <c>webhook</c> may pick a part of it with <c>field</c> (a dotted path). Everything is
/// validated before anything is delivered; deliveries run in the order file, webhook, log.
/// </remarks>
public sealed class OutputStepHandler(IOptions<OutputOptions> options, WebhookSender webhooks, ILogger<OutputStepHandler> logger) : IStepHandler
{
    /// <summary>The step type served.</summary>
    public const string StepType = "output";

    private static readonly string[] KnownFields = ["result", "file", "webhook", "log"];
    private static readonly string[] FileFields = ["path", "format", "field"];
    private static readonly string[] WebhookFields = ["url", "headers", "timeout", "field"];
    private static readonly string[] LogFields = ["level", "message"];

    /// <inheritdoc />
    public async ValueTask<Struct> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        var input = context.InputJson();
        var problems = new List<string>();
        Unknown(input, KnownFields, "input", problems);
        var payload = input.TryGetPropertyValue("result", out var result) ? result?.DeepClone() : context.MergedDependencyJson();

        var file = input["file"] is { } fileNode ? ParseFile(fileNode, problems) : null;
        var webhook = input["webhook"] is { } webhookNode ? ParseWebhook(webhookNode, problems) : null;
        var log = input["log"] is { } logNode ? ParseLog(logNode, problems) : null;
        if (problems.Count > 0)
        {
            throw StepFailedException.InvalidInput(string.Join(" ", problems));
        }

        var delivered = new JsonObject();
        if (file is not null)
        {
            var (text, records) = FileWriter.Render(Select(payload, file.Field, "file.field"), file.Format);
            var bytes = await FileWriter.WriteAtomicallyAsync(file.FullPath, text, cancellationToken);
            Log.FileWritten(logger, context.StepId, context.ExecutionId, bytes, records, file.FullPath);
            delivered["file"] = new JsonObject
            {
                ["path"] = file.RelativePath,
                ["folder"] = Path.GetDirectoryName(file.FullPath),
                ["full_path"] = file.FullPath,
                ["format"] = file.Format switch { OutputFormat.Json => "json", OutputFormat.JsonLines => "jsonl", _ => "csv" },
                ["bytes"] = bytes,
                ["records"] = records,
            };
        }

        if (webhook is not null)
        {
            var body = Select(payload, webhook.Field, "webhook.field")?.ToJsonString() ?? "null";
            var status = await webhooks.SendAsync(webhook.Request, body, context.IdempotencyKey, cancellationToken);
            Log.WebhookSent(logger, context.StepId, context.ExecutionId, webhook.Request.Url.GetLeftPart(UriPartial.Path), status);
            delivered["webhook"] = new JsonObject { ["url"] = webhook.Request.Url.GetLeftPart(UriPartial.Path), ["status"] = status };
        }

        if (log is not null)
        {
            if (logger.IsEnabled(log.Level))
            {
                var message = string.IsNullOrEmpty(log.Message) ? string.Empty : $" {log.Message}";
                var text = payload?.ToJsonString() ?? "null";
                Log.Output(logger, log.Level, context.StepId, context.ExecutionId, message, text);
            }

            delivered["log"] = new JsonObject { ["level"] = log.Level.ToString().ToLowerInvariant() };
        }

        var output = new JsonObject { ["result"] = payload };
        if (delivered.Count > 0)
        {
            output["delivered"] = delivered;
        }

        return StructJson.ToStruct(output);
    }

    private FileTarget? ParseFile(JsonNode node, List<string> problems)
    {
        if (node is not JsonObject file)
        {
            problems.Add("file: must be an object such as {\"path\": \"report.json\"}.");
            return null;
        }

        Unknown(file, FileFields, "file", problems);
        var path = Text(file, "path", "file", problems, required: true);
        var format = Text(file, "format", "file", problems, required: false);
        var field = Text(file, "field", "file", problems, required: false);
        if (path is null)
        {
            return null;
        }

        try
        {
            var resolvedFormat = FileWriter.ResolveFormat(format, path);
            var fullPath = ConfinedPath.Resolve(options.Value.Root, path, "file.path");
            if (Directory.Exists(fullPath))
            {
                problems.Add($"file.path: '{path}' is a folder.");
                return null;
            }

            return new FileTarget(path, fullPath, resolvedFormat, field);
        }
        catch (StepFailedException ex)
        {
            problems.Add(ex.Message);
            return null;
        }
    }

    private WebhookTarget? ParseWebhook(JsonNode node, List<string> problems)
    {
        if (node is not JsonObject webhook)
        {
            problems.Add("webhook: must be an object such as {\"url\": \"https://example.com/hook\"}.");
            return null;
        }

        Unknown(webhook, WebhookFields, "webhook", problems);
        var urlText = Text(webhook, "url", "webhook", problems, required: true);
        var field = Text(webhook, "field", "webhook", problems, required: false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (webhook["headers"] is { } headersNode)
        {
            if (headersNode is not JsonObject headerObject)
            {
                problems.Add("webhook.headers: must be an object of header names to string values.");
            }
            else
            {
                if (headerObject.Count > WebhookHeaders.MaxCount)
                {
                    problems.Add($"webhook.headers: {headerObject.Count} headers; the limit is {WebhookHeaders.MaxCount}.");
                }

                foreach (var (name, value) in headerObject)
                {
                    if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                    {
                        problems.Add($"webhook.headers.{name}: must be a string.");
                    }
                    else if (WebhookHeaders.Problem(name, v.GetValue<string>()) is { } problem)
                    {
                        problems.Add($"webhook.headers.{Shorten(name)}: {problem}");
                    }
                    else
                    {
                        headers[name] = v.GetValue<string>();
                    }
                }
            }
        }

        var settings = options.Value.Webhook;
        var timeout = settings.DefaultTimeout;
        if (webhook["timeout"] is { } timeoutNode)
        {
            if (ParseTimeout(timeoutNode) is { } parsed && parsed > TimeSpan.Zero && parsed <= settings.MaxTimeout)
            {
                timeout = parsed;
            }
            else
            {
                problems.Add($"webhook.timeout: must be a number of seconds (or a string like \"500ms\", \"5s\") above 0 and at most {settings.MaxTimeout.TotalSeconds:0} s (Output:Webhook:MaxTimeout).");
            }
        }

        if (urlText is null)
        {
            return null;
        }

        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"webhook.url: '{urlText}' must be an absolute http:// or https:// URL.");
            return null;
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            problems.Add("webhook.url: credentials in the URL are not allowed; send them in webhook.headers.");
            return null;
        }

        // Refuse early what the connection callback would refuse anyway, so nothing else is delivered first.
        var policy = webhooks.Policy;
        if (!policy.IsAllowlisted(url.Host))
        {
            if (!policy.AllowsUnlistedHosts)
            {
                problems.Add($"webhook.url: host '{url.Host}' is not in Output:Webhook:Allowlist.");
                return null;
            }

            if (System.Net.IPAddress.TryParse(url.Host.Trim('[', ']'), out var literal) && !policy.IsAllowedDestination(literal))
            {
                problems.Add($"webhook.url: {literal} is a private, loopback or link-local address (or a reserved one, or this host's own); add it to Output:Webhook:Allowlist to allow it.");
                return null;
            }

            if (url.IsLoopback)
            {
                problems.Add($"webhook.url: '{url.Host}' is a loopback host; add it to Output:Webhook:Allowlist to allow it.");
                return null;
            }
        }

        return new WebhookTarget(new WebhookRequest(url, headers, timeout), field);
    }

    private static string Shorten(string text) => text.Length > 64 ? text[..64] + "…" : text;

    private static LogTarget? ParseLog(JsonNode node, List<string> problems)
    {
        if (node is JsonValue flag && flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return flag.GetValueKind() == JsonValueKind.True ? new LogTarget(LogLevel.Information, null) : null;
        }

        if (node is not JsonObject log)
        {
            problems.Add("log: must be true or an object {level, message}.");
            return null;
        }

        Unknown(log, LogFields, "log", problems);
        var levelText = Text(log, "level", "log", problems, required: false) ?? "information";
        var message = Text(log, "message", "log", problems, required: false);
        if (!System.Enum.TryParse<LogLevel>(levelText, ignoreCase: true, out var level) || level is LogLevel.None || !System.Enum.IsDefined(level))
        {
            problems.Add($"log.level: unknown level '{levelText}' (expected trace, debug, information, warning, error or critical).");
            return null;
        }

        return new LogTarget(level, message);
    }

    private static JsonNode? Select(JsonNode? payload, string? field, string setting)
    {
        if (field is null)
        {
            return payload;
        }

        var current = payload;
        foreach (var segment in field.Split('.'))
        {
            current = current switch
            {
                JsonObject obj when obj.TryGetPropertyValue(segment, out var next) => next,
                JsonArray list when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < list.Count => list[i],
                _ => throw StepFailedException.InvalidInput($"{setting}: '{field}' not found in the payload."),
            };
        }

        return current;
    }

    private static TimeSpan? ParseTimeout(JsonNode node)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            var seconds = v.GetValue<double>();
            return double.IsFinite(seconds) && seconds < 86400 ? TimeSpan.FromSeconds(seconds) : null;
        }

        if (node is JsonValue s && s.GetValueKind() == JsonValueKind.String)
        {
            var text = s.GetValue<string>().Trim();
            var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
                : text.EndsWith('s') ? (text[..^1], 1.0)
                : text.EndsWith('m') ? (text[..^1], 60.0)
                : (text, 1.0);
            return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value < 86400
                ? TimeSpan.FromSeconds(value * scale)
                : null;
        }

        return null;
    }

    private static string? Text(JsonObject obj, string name, string prefix, List<string> problems, bool required)
    {
        var node = obj[name];
        if (node is null)
        {
            if (required)
            {
                problems.Add($"{prefix}.{name}: is required.");
            }

            return null;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }

        problems.Add($"{prefix}.{name}: must be a string.");
        return null;
    }

    private static void Unknown(JsonObject obj, string[] known, string prefix, List<string> problems)
    {
        foreach (var (name, _) in obj)
        {
            if (!known.Contains(name))
            {
                problems.Add($"{prefix}.{name}: unknown field (expected {string.Join(", ", known)}).");
            }
        }
    }

    private sealed record FileTarget(string RelativePath, string FullPath, OutputFormat Format, string? Field);

    private sealed record WebhookTarget(WebhookRequest Request, string? Field);

    private sealed record LogTarget(LogLevel Level, string? Message);
}
