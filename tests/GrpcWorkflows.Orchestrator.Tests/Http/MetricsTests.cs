using System.Text.RegularExpressions;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Http;

/// <summary>/metrics scraped as Prometheus does, after real executions: every series docs/metrics.md lists, with its labels.</summary>
public sealed partial class MetricsTests
{
    [Fact]
    public async Task Metrics_AfterExecutionsThatSucceedRetryAndFail_ShowTheDocumentedSeriesAndLabels()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Orchestrator:HttpAddress"] = "http://127.0.0.1:0" });
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var flaky = Step("flaky", """{"failures": 1}""");
        flaky.RetryPolicy = FastRetry();
        await orchestrator.Workflows.RunToEndAsync(Define("metrics-ok", ("a", Step("echo")), ("b", flaky)));
        await orchestrator.Workflows.RunToEndAsync(Define("metrics-fail", ("x", Step("fail"))));
        using var http = new HttpClient { BaseAddress = orchestrator.HttpAddress, Timeout = AsyncTestHelpers.DefaultTimeoutSpan };

        var scrape = await http.GetStringAsync("/metrics");
        var series = SeriesLine().Matches(scrape).Select(m => (Name: m.Groups["name"].Value, Labels: m.Groups["labels"].Value)).ToList();

        bool Has(string name, params string[] labels) => series.Any(s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal)));
        var endpoint = $"grpcworkflows_executor_endpoint=\"{orchestrator.ExecutorRegistry.EndpointsFor("echo").Single().Address}\"";
        Assert.True(Has("grpcworkflows_executions_started_total"), scrape);
        Assert.True(Has("grpcworkflows_executions_finished_total", "grpcworkflows_execution_state=\"Succeeded\""), scrape);
        Assert.True(Has("grpcworkflows_executions_finished_total", "grpcworkflows_execution_state=\"Failed\""), scrape);
        Assert.True(Has("grpcworkflows_executions_active"));
        Assert.True(Has("grpcworkflows_steps_started_total"));
        Assert.True(Has("grpcworkflows_steps_succeeded_total"));
        Assert.True(Has("grpcworkflows_steps_failed_total"));
        Assert.True(Has("grpcworkflows_steps_retried_total"));
        Assert.True(Has("grpcworkflows_step_duration_seconds_bucket", "le=\"0.1\""));
        Assert.True(Has("grpcworkflows_step_queue_wait_seconds_bucket", "grpcworkflows_step_type=\"echo\""), scrape);
        Assert.True(Has("grpcworkflows_step_attempt_duration_seconds_count", "grpcworkflows_step_type=\"flaky\"", "grpcworkflows_attempt_outcome=\"failed\""), scrape);
        Assert.True(Has("grpcworkflows_step_attempt_duration_seconds_count", "grpcworkflows_step_type=\"flaky\"", "grpcworkflows_attempt_outcome=\"succeeded\""), scrape);
        Assert.True(Has("grpcworkflows_ready_queue_depth"));
        Assert.True(Has("grpcworkflows_executor_in_flight", endpoint), scrape);
        Assert.True(Has("grpcworkflows_store_append_duration_seconds_bucket", "grpcworkflows_store_operation=\"append\""), scrape);
        Assert.True(Has("grpcworkflows_store_append_batch_size_bucket", "grpcworkflows_store_operation=\"create\""), scrape);
    }

    [GeneratedRegex(@"^(?<name>[a-z_:][a-z0-9_:]*)(\{(?<labels>[^}]*)\})? ", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();
}
