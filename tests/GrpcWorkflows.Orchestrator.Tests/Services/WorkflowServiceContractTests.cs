using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>
/// The parts of the contract a client sees beyond running: RunWorkflow's embedded submission, GetExecution's
/// views, ListExecutions' label and time filters with filter-bound page tokens, and the replica on each attempt.
/// </summary>
public sealed class WorkflowServiceContractTests
{
    [Fact]
    public async Task RunWorkflow_SubmitWithLabelsAndKey_RunsWithThemAndARepeatReturnsTheSameExecution()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("noop");
        var request = new RunWorkflowRequest { Submit = new SubmitWorkflowRequest { Definition = Define("run-submit", ("n", Step("noop"))), IdempotencyKey = "run-7", Labels = { ["team"] = "data" } } };

        var first = await RunAsync(orchestrator, request);
        var second = await RunAsync(orchestrator, request);

        Assert.Equal(ExecutionState.Succeeded, first.FinalState());
        Assert.Equal(first[0].ExecutionId, second[0].ExecutionId);
        Assert.Equal("data", first[0].Submitted.Labels["team"]);
        Assert.Equal("run-7", first[0].Submitted.IdempotencyKey);
    }

    [Fact]
    public async Task RunWorkflow_DeprecatedFields_StillRun()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("noop");
#pragma warning disable CS0612 // A client built before RunWorkflowRequest.submit existed.
        var request = new RunWorkflowRequest { Definition = Define("run-legacy", ("n", Step("noop"))), Labels = { ["team"] = "web" } };
#pragma warning restore CS0612

        var events = await RunAsync(orchestrator, request);

        Assert.Equal(ExecutionState.Succeeded, events.FinalState());
        Assert.Equal("web", events[0].Submitted.Labels["team"]);
    }

    [Fact]
    public async Task RunWorkflow_SubmitAndDeprecatedFields_InvalidArgumentNamingEachDeprecatedField()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
#pragma warning disable CS0612 // The mix this test is about.
        var request = new RunWorkflowRequest { Submit = new SubmitWorkflowRequest { Definition = Define("both", ("n", Step("noop"))) }, Definition = Define("both", ("n", Step("noop"))), IdempotencyKey = "k" };
#pragma warning restore CS0612

        var error = await Assert.ThrowsAsync<RpcException>(() => RunAsync(orchestrator, request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["definition", "idempotency_key"], error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
        Assert.Contains("idempotency_key: is deprecated", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetExecution_Views_SummaryLeavesOutPayloadsAndAttemptsFullNamesTheReplicaOfEachAttempt()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address, extraArgs: "--Executor:Mode=Push");
        await orchestrator.WaitForExecutorsAsync("echo");
        var done = await orchestrator.Workflows.RunToEndAsync(Define("views", ("a", Step("echo", """{"v": 1}""")), ("b", Step("echo", null, "a"))), """{"x": 2}""");

        var unspecified = await GetAsync(orchestrator, done.ExecutionId, ExecutionView.Unspecified);
        var full = await GetAsync(orchestrator, done.ExecutionId, ExecutionView.Full);
        var summary = await GetAsync(orchestrator, done.ExecutionId, ExecutionView.Summary);
        var invalid = await Assert.ThrowsAsync<RpcException>(() => GetAsync(orchestrator, done.ExecutionId, (ExecutionView)42));

        Assert.Equal(full, unspecified);
        Assert.NotNull(full.Definition);
        Assert.NotNull(full.Input);
        Assert.All(full.Steps, s => Assert.NotNull(s.Output));
        var attempt = Assert.Single(full.Steps[0].AttemptHistory);
        Assert.Equal(executor.Address.Port, new Uri(attempt.Endpoint).Port);
        Assert.Null(summary.Definition);
        Assert.Null(summary.Input);
        Assert.Null(summary.Result);
        Assert.All(summary.Steps, s => Assert.Null(s.Output));
        Assert.All(summary.Steps, s => Assert.Empty(s.AttemptHistory));
        Assert.Equal(full.Steps.Select(s => (s.StepId, s.State, s.Attempts)), summary.Steps.Select(s => (s.StepId, s.State, s.Attempts)));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("view", invalid.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StepEvents_RealExecutor_SuccessNamesTheEndpointThatRanTheAttempt()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address, extraArgs: "--Executor:Mode=Push");
        await orchestrator.WaitForExecutorsAsync("noop");

        var events = await RunAsync(orchestrator, new RunWorkflowRequest { Submit = new SubmitWorkflowRequest { Definition = Define("endpoint", ("n", Step("noop"))) } });

        var succeeded = events.Single(e => e.KindCase == ExecutionEvent.KindOneofCase.StepSucceeded).StepSucceeded;
        Assert.Equal(executor.Address.Port, new Uri(succeeded.Endpoint).Port);
    }

    [Fact]
    public async Task ListExecutions_LabelAndTimeFilters_ReturnOnlyMatchesAndTokensStayBoundToTheirFilter()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("noop");
        var data = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var team = i % 2 == 0 ? "data" : "web";
            var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Define("labelled", ("n", Step("noop"))), Labels = { ["team"] = team, ["run"] = $"{i}" } }).ResponseAsync.DefaultTimeout();
            await orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId);
            if (team == "data")
            {
                data.Insert(0, submitted.ExecutionId);
            }
        }

        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await ListAsync(orchestrator, token, ("team", "data"));
            seen.AddRange(page.Executions.Select(e => e.ExecutionId));
            Assert.All(page.Executions, e => Assert.Equal("data", e.Labels["team"]));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        var both = await ListAsync(orchestrator, "", ("team", "data"), ("run", "2"));
        var firstPage = await ListAsync(orchestrator, "", ("team", "data"));
        var tokenWithOtherFilter = await Assert.ThrowsAsync<RpcException>(() => ListAsync(orchestrator, firstPage.NextPageToken, ("team", "web")));
        var future = await orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest { CreatedAfter = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)) }).ResponseAsync.DefaultTimeout();
        var past = await orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest { CreatedBefore = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)), WorkflowId = "labelled" }).ResponseAsync.DefaultTimeout();
        var byPrefix = await orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest { ExecutionIdPrefix = data[0][..^2] }).ResponseAsync.DefaultTimeout();

        Assert.Equal(data, seen);
        Assert.Equal(data[1], Assert.Single(both.Executions).ExecutionId);
        Assert.Equal(StatusCode.InvalidArgument, tokenWithOtherFilter.StatusCode);
        Assert.Equal("page_token", Assert.Single(tokenWithOtherFilter.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
        Assert.Contains("other filters", tokenWithOtherFilter.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(future.Executions);
        Assert.Equal(5, past.Executions.Count);
        Assert.Contains(byPrefix.Executions, e => e.ExecutionId == data[0]);
        Assert.All(byPrefix.Executions, e => Assert.StartsWith(data[0][..^2], e.ExecutionId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListExecutions_BadFilters_InvalidArgumentListingEveryProblemInTheMessageToo()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var now = DateTimeOffset.UtcNow;
        var request = new ListExecutionsRequest { PageSize = -1, CreatedAfter = Timestamp.FromDateTimeOffset(now), CreatedBefore = Timestamp.FromDateTimeOffset(now.AddMinutes(-1)), ExecutionIdPrefix = "01%" };
        request.Labels[""] = "x";

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.ListExecutionsAsync(request).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["page_size", "labels", "execution_id_prefix", "created_before"], error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
        Assert.Contains("page_size: must be 0", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("created_before: (", error.Status.Detail, StringComparison.Ordinal);
    }

    private static Task<List<ExecutionEvent>> RunAsync(TestOrchestrator orchestrator, RunWorkflowRequest request)
        => orchestrator.Workflows.RunStreamAsync(request);

    private static async Task<Execution> GetAsync(TestOrchestrator orchestrator, string executionId, ExecutionView view)
        => (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId, View = view }).ResponseAsync.DefaultTimeout()).Execution;

    private static async Task<ListExecutionsResponse> ListAsync(TestOrchestrator orchestrator, string token, params (string Key, string Value)[] labels)
    {
        var request = new ListExecutionsRequest { PageSize = 2, PageToken = token };
        foreach (var (key, value) in labels)
        {
            request.Labels[key] = value;
        }

        return await orchestrator.Workflows.ListExecutionsAsync(request).ResponseAsync.DefaultTimeout();
    }
}
