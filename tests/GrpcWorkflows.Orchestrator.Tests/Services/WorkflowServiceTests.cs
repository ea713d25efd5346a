using System.Diagnostics;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using OpenTelemetry.Trace;
using StatusCode = Grpc.Core.StatusCode;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>The WorkflowService RPCs beyond submit-and-watch: run, list, retry, and trace propagation to executors.</summary>
public sealed class WorkflowServiceTests
{
    [Fact]
    public async Task RunWorkflow_ValidDefinition_StreamsEveryEventUntilTheEnd()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var request = new RunWorkflowRequest { Submit = new SubmitWorkflowRequest { Definition = Define("run", ("a", Step("echo", """{"v": 1}""")), ("b", Step("echo", null, "a"))) } };

        var events = await orchestrator.Workflows.RunStreamAsync(request);

        Assert.Equal(ExecutionEvent.KindOneofCase.Submitted, events[0].KindCase);
        Assert.Equal(ExecutionState.Succeeded, events.FinalState());
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(2, events.Count(e => e.KindCase == ExecutionEvent.KindOneofCase.StepSucceeded));
    }

    [Fact]
    public async Task RetryExecution_FailedExecution_RerunsTheFailedStepKeepsSucceededOutputsAndSucceeds()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("flaky");
        var definition = Define(
            "retry",
            ("first", Step("echo", """{"kept": true}""")),
            ("flaky", Step("flaky", """{"failures": 3}""", "first")));
        definition.DefaultRetryPolicy = FastRetry(maxAttempts: 2);

        var failed = await orchestrator.Workflows.RunToEndAsync(definition);
        var rerun = await orchestrator.Workflows.RetryExecutionAsync(new RetryExecutionRequest { ExecutionId = failed.ExecutionId }).ResponseAsync.DefaultTimeout();
        var events = await orchestrator.Workflows.WatchToEndAsync(failed.ExecutionId, fromSequence: failed.LastSequence + 1);

        Assert.Equal(ExecutionState.Failed, failed.State);
        Assert.Equal(["flaky"], rerun.StepIds);
        Assert.True(events.FinalState() == ExecutionState.Succeeded, string.Join('\n', events));
        Assert.DoesNotContain(events, e => e.AttemptStarted?.StepId == "first");
        var final = (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = failed.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;
        Assert.True(final.Steps.Single(s => s.StepId == "first").Output.Fields["kept"].BoolValue);
        Assert.Equal(4, final.Steps.Single(s => s.StepId == "flaky").Output.Fields["calls"].NumberValue);
    }

    [Fact]
    public async Task RetryExecution_SucceededExecution_FailedPrecondition()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("noop");

        var done = await orchestrator.Workflows.RunToEndAsync(Define("ok", ("n", Step("noop"))));
        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.RetryExecutionAsync(new RetryExecutionRequest { ExecutionId = done.ExecutionId }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task ListExecutions_PagesAndStateFilter_ReturnsEachExecutionOnceNewestFirst()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("noop");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await orchestrator.Workflows.RunToEndAsync(Define("listed", ("n", Step("noop"))))).ExecutionId);
        }

        var failed = await orchestrator.Workflows.RunToEndAsync(Define("listed", ("f", Step("fail"))));
        var seen = new List<ExecutionSummary>();
        var token = "";
        do
        {
            var page = await orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest { PageSize = 2, PageToken = token, WorkflowId = "listed" }).ResponseAsync.DefaultTimeout();
            Assert.True(page.Executions.Count <= 2);
            seen.AddRange(page.Executions);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        var onlyFailed = await orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest { States = { ExecutionState.Failed } }).ResponseAsync.DefaultTimeout();

        Assert.Equal(ids.Append(failed.ExecutionId).Reverse(), seen.Select(s => s.ExecutionId));
        Assert.Equal(failed.ExecutionId, Assert.Single(onlyFailed.Executions).ExecutionId);
    }

    [Fact]
    public async Task ExecuteStep_WithEngineTracing_ExecutorContinuesTheTraceOfTheAttempt()
    {
        // OpenTelemetry's SDK with its in-memory exporter, as an operator's OTLP pipeline would see the spans.
        var exported = new List<Activity>();
        using var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource(Engine.Instrumentation.ActivitySourceName, GrpcWorkflows.Executor.Instrumentation.ActivitySourceName)
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(exported)
            .Build();
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");

        var execution = await orchestrator.Workflows.RunToEndAsync(Define("traced", ("a", Step("echo"))));

        // Other tests of this assembly run meanwhile and end spans too: read a copy (ToArray does not enumerate).
        List<Activity> Spans() => [.. exported.ToArray().Where(a => a is not null)];

        bool IsServed(Activity a) => a.Source.Name == GrpcWorkflows.Executor.Instrumentation.ActivitySourceName && Equals(a.GetTagItem("grpcworkflows.execution.id"), execution.ExecutionId);
        Func<bool> exportedServed = () => tracing.ForceFlush() && Spans().Any(IsServed);
        await AsyncTestHelpers.WaitUntilAsync(exportedServed, "the executor's span was exported");
        var served = Spans().Single(IsServed);
        var engineSpans = Spans().Where(a => a.Source.Name == Engine.Instrumentation.ActivitySourceName && a.TraceId == served.TraceId).ToList();

        // One trace from the execution down to the executor's handler: the executor's span is a child of the
        // orchestrator's attempt span, whose context travelled with the call.
        var attempt = Assert.Single(engineSpans, a => a.SpanId == served.ParentSpanId);
        Assert.StartsWith("attempt", attempt.OperationName, StringComparison.Ordinal);
        Assert.Equal(ActivityKind.Server, served.Kind);
    }
}
