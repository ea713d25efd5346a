using System.Text.Json.Nodes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Output;
using GrpcWorkflows.Plugins.Output.Webhooks;
using GrpcWorkflows.Plugins.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Plugins.Tests.Output;

public sealed class OutputStepHandlerTests : IDisposable
{
    private readonly TempFolder _root = new();
    private readonly ListLogger<OutputStepHandler> _logger = new();

    public void Dispose() => _root.Dispose();

    private OutputStepHandler Handler(params string[] allowlist)
    {
        var options = Options.Create(new OutputOptions { Root = _root.Path, Webhook = { Allowlist = [.. allowlist] } });
        return new OutputStepHandler(options, new WebhookSender(options), _logger);
    }

    private async Task<JsonObject> RunAsync(string inputJson, string[]? allowlist = null, params (string, string)[] dependencies) =>
        StructJson.ToJsonObject(await Handler(allowlist ?? []).ExecuteAsync(Steps.Context("output", inputJson, dependencies), CancellationToken.None).DefaultTimeout());

    private async Task<StepFailedException> FailAsync(string inputJson, string[]? allowlist = null, params (string, string)[] dependencies) =>
        await Assert.ThrowsAsync<StepFailedException>(async () =>
            await Handler(allowlist ?? []).ExecuteAsync(Steps.Context("output", inputJson, dependencies), CancellationToken.None).DefaultTimeout());

    [Fact]
    public async Task Execute_NoInput_ReturnsMergedDependencyDataAsResult()
    {
        var output = await RunAsync("{}", null, ("ai_analysis", """{"summary": "ok"}"""), ("b", """{"n": 1}"""));

        Assert.Equal("""{"result":{"summary":"ok","n":1}}""", output.ToJsonString());
    }

    [Fact]
    public async Task Execute_Result_ReturnedAsIs()
    {
        var output = await RunAsync("""{"result": {"total": 42, "ok": true}}""", null, ("x", """{"ignored": 1}"""));

        Assert.Equal("""{"result":{"total":42,"ok":true}}""", output.ToJsonString());
    }

    [Fact]
    public async Task Execute_FileJson_WrittenUnderRootWithoutTemporaryFilesLeft()
    {
        var output = await RunAsync("""{"result": {"a": [1, 2]}, "file": {"path": "reports/out.json"}}""");

        var written = await File.ReadAllTextAsync(_root.Combine("reports", "out.json"));
        Assert.Equal(new JsonObject { ["a"] = new JsonArray(1, 2) }.ToJsonString(), JsonNode.Parse(written)!.ToJsonString());
        Assert.Equal("reports/out.json", output["delivered"]!["file"]!["path"]!.GetValue<string>());
        Assert.Equal(_root.Combine("reports"), output["delivered"]!["file"]!["folder"]!.GetValue<string>());
        Assert.Equal(_root.Combine("reports", "out.json"), output["delivered"]!["file"]!["full_path"]!.GetValue<string>());
        Assert.Equal(new FileInfo(_root.Combine("reports", "out.json")).Length, output["delivered"]!["file"]!["bytes"]!.GetValue<double>());
        Assert.Single(Directory.GetFiles(_root.Combine("reports")));
    }

    [Fact]
    public async Task Execute_FileJsonLinesOfItemsField_OneLinePerItem()
    {
        await RunAsync("""{"file": {"path": "rows.jsonl", "field": "data"}}""", null, ("p", """{"data": {"items": [{"n": 1}, {"n": 2}]}}"""));

        Assert.Equal("{\"n\":1}\n{\"n\":2}\n", await File.ReadAllTextAsync(_root.Combine("rows.jsonl")));
    }

    [Fact]
    public async Task Execute_FileCsv_HeaderIsUnionAndCellsQuoted()
    {
        var output = await RunAsync("""
            {"result": [{"region": "EU", "total": 72}, {"region": "US, West", "note": "say \"hi\"", "tags": ["a"]}],
             "file": {"path": "by_region.csv"}}
            """);

        Assert.Equal(
            "region,total,note,tags\nEU,72,,\n\"US, West\",,\"say \"\"hi\"\"\",\"[\"\"a\"\"]\"\n",
            await File.ReadAllTextAsync(_root.Combine("by_region.csv")));
        Assert.Equal(2, output["delivered"]!["file"]!["records"]!.GetValue<double>());
    }

    [Fact]
    public async Task Execute_FileCsvOfScalars_InvalidArgument()
    {
        var ex = await FailAsync("""{"result": [1, 2], "file": {"path": "x.csv"}}""");

        Assert.Contains("CSV needs objects", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("a/../../escape.json")]
    [InlineData("/tmp/escape.json")]
    public async Task Execute_FileEscapingTheRoot_RefusedAndNothingWritten(string path)
    {
        var ex = await FailAsync($$$"""{"result": 1, "file": {"path": "{{{path}}}"}}""");

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.False(ex.IsRetryable);
        Assert.Contains("file.path", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_root.Path)!, "escape.json")));
    }

    [Fact]
    public async Task Execute_FileThroughSymlinkOutsideRoot_Refused()
    {
        using var outside = new TempFolder();
        File.CreateSymbolicLink(_root.Combine("out"), outside.Path);

        var ex = await FailAsync("""{"result": 1, "file": {"path": "out/x.json"}}""");

        Assert.Contains("outside the configured root", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(outside.Path));
    }

    [Fact]
    public async Task Execute_WebhookToLoopbackWithoutAllowlist_PermissionDeniedAndNothingDelivered()
    {
        await using var hooks = await HookServer.StartAsync();

        var ex = await FailAsync($$$"""{"result": 1, "file": {"path": "never.json"}, "webhook": {"url": "{{{hooks.Address}}}hook/ok"}}""");

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.False(ex.IsRetryable);
        Assert.Contains("127.0.0.1 is a private, loopback or link-local address", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_root.Combine("never.json")));
        Assert.False(hooks.Received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Execute_WebhookAllowlisted_PostsPayloadWithHeadersAndIdempotencyKey()
    {
        await using var hooks = await HookServer.StartAsync();

        var output = await RunAsync(
            $$$"""{"webhook": {"url": "{{{hooks.Address}}}hook/ok", "headers": {"X-Token": "t1"}, "timeout": "5s"}}""",
            ["127.0.0.1"],
            ("p", """{"message": "HELLO"}"""));

        var received = await hooks.Received.Reader.ReadAsync().AsTask().DefaultTimeout();
        Assert.Equal("""{"message":"HELLO"}""", received.Body);
        Assert.Equal("t1", received.Headers["X-Token"]);
        Assert.Equal("exec-test/output_step/1", received.Headers["Idempotency-Key"]);
        Assert.StartsWith("application/json", received.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal(200, output["delivered"]!["webhook"]!["status"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("X-Token", "t1\\r\\nX-Injected: yes")]
    [InlineData("X-Token", "t1\\nX-Injected: yes")]
    [InlineData("X-Token", "t1\\r\\n\\r\\nGET /smuggled HTTP/1.1\\r\\nHost: x")]
    [InlineData("X-Token", "t1\\u0000")]
    [InlineData("X-Bad Name", "v")]
    [InlineData("X-Token\\r\\nX-Injected", "v")]
    [InlineData("Host", "evil.example.com")]
    [InlineData("Transfer-Encoding", "chunked")]
    [InlineData("Upgrade", "h2c")]
    [InlineData("Content-Length", "0")]
    public async Task Execute_WebhookHeaderInjectingOrForbidden_InvalidArgumentAndNothingSent(string name, string value)
    {
        await using var hooks = await HookServer.StartAsync();

        var ex = await FailAsync(
            "{\"webhook\": {\"url\": \"" + hooks.Address + "hook/ok\", \"headers\": {\"" + name + "\": \"" + value + "\"}}}",
            ["127.0.0.1"]);

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.Contains("webhook.headers.", ex.Message, StringComparison.Ordinal);
        Assert.False(hooks.Received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task SendAsync_HeaderValueWithLineBreak_RefusedBeforeAnyByteIsSent()
    {
        await using var hooks = await HookServer.StartAsync();
        var options = Options.Create(new OutputOptions { Root = _root.Path, Webhook = { Allowlist = ["127.0.0.1"] } });
        using var sender = new WebhookSender(options);
        var request = new WebhookRequest(new Uri(hooks.Address, "hook/ok"), new Dictionary<string, string> { ["X-Token"] = "t1\r\nX-Injected: yes" }, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<StepFailedException>(() => sender.SendAsync(request, "{}", "key", CancellationToken.None).DefaultTimeout());

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.False(hooks.Received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Execute_WebhookHostNotInNonEmptyAllowlist_Refused()
    {
        var ex = await FailAsync("""{"webhook": {"url": "https://example.com/hook"}}""", ["hooks.example.org"]);

        Assert.Contains("host 'example.com' is not in Output:Webhook:Allowlist", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fail500", "UNAVAILABLE", true)]
    [InlineData("limit429", "RESOURCE_EXHAUSTED", true)]
    [InlineData("missing404", "FAILED_PRECONDITION", false)]
    public async Task Execute_WebhookErrorAnswer_MappedToRetryDecision(string mode, string code, bool retryable)
    {
        await using var hooks = await HookServer.StartAsync();

        var ex = await FailAsync($$$"""{"result": 1, "webhook": {"url": "{{{hooks.Address}}}hook/{{{mode}}}"}}""", ["127.0.0.1"]);

        Assert.Equal(code, ex.Code);
        Assert.Equal(retryable, ex.IsRetryable);
        Assert.Equal(mode == "limit429" ? TimeSpan.FromSeconds(7) : null, ex.RetryAfter);
    }

    [Fact]
    public async Task Execute_WebhookSlowerThanTimeout_RetryableDeadlineExceeded()
    {
        await using var hooks = await HookServer.StartAsync();

        var ex = await FailAsync($$$"""{"result": 1, "webhook": {"url": "{{{hooks.Address}}}hook/slow", "timeout": 0.3}}""", ["127.0.0.1"]);

        Assert.Equal("DEADLINE_EXCEEDED", ex.Code);
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task Send_HostnameResolvingToLoopback_RefusedAfterDnsResolution()
    {
        await using var hooks = await HookServer.StartAsync();
        var options = Options.Create(new OutputOptions());
        using var sender = new WebhookSender(options);
        var url = new Uri($"http://localhost:{hooks.Address.Port}/hook/ok");

        var ex = await Assert.ThrowsAsync<StepFailedException>(() =>
            sender.SendAsync(new WebhookRequest(url, new Dictionary<string, string>(), TimeSpan.FromSeconds(5)), "{}", "k", CancellationToken.None).DefaultTimeout());

        Assert.Equal("PERMISSION_DENIED", ex.Code);
        Assert.False(ex.IsRetryable);
        Assert.Contains("resolves to", ex.Message, StringComparison.Ordinal);
        Assert.False(hooks.Received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Execute_Log_WritesPayloadToTheLogAtTheLevel()
    {
        var output = await RunAsync("""{"result": {"a": 1}, "log": {"level": "warning", "message": "final"}}""");

        var entry = Assert.Single(_logger.Entries, e => e.Message.Contains("final", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("""{"a":1}""", entry.Message, StringComparison.Ordinal);
        Assert.Equal("warning", output["delivered"]!["log"]!["level"]!.GetValue<string>());
    }

    [Fact]
    public async Task Execute_AllDestinationsCombined_EachDelivered()
    {
        await using var hooks = await HookServer.StartAsync();

        var output = await RunAsync(
            $$$"""{"file": {"path": "all.json"}, "webhook": {"url": "{{{hooks.Address}}}hook/ok"}, "log": true}""",
            ["127.0.0.1"],
            ("p", """{"v": 3}"""));

        Assert.Equal("""{"v":3}""", output["result"]!.ToJsonString());
        Assert.Equal(["file", "webhook", "log"], output["delivered"]!.AsObject().Select(p => p.Key));
        Assert.True(File.Exists(_root.Combine("all.json")));
        Assert.Equal("""{"v":3}""", (await hooks.Received.Reader.ReadAsync().AsTask().DefaultTimeout()).Body);
    }

    [Fact]
    public async Task Execute_InvalidSettings_EveryProblemReported()
    {
        var ex = await FailAsync("""
            {"fille": {}, "file": {"path": "x.xml"},
             "webhook": {"url": "ftp://x", "timeout": 999, "headers": {"Host": "evil"}},
             "log": {"level": "loud"}}
            """);

        Assert.Contains("input.fille: unknown field", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot tell the format of 'x.xml'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("webhook.url: 'ftp://x' must be an absolute http:// or https:// URL", ex.Message, StringComparison.Ordinal);
        Assert.Contains("webhook.timeout:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("webhook.headers.Host:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("log.level: unknown level 'loud'", ex.Message, StringComparison.Ordinal);
    }
}
