using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>Bad requests get precise statuses listing every problem, and the server keeps serving.</summary>
public sealed class WorkflowServiceErrorTests
{
    [Fact]
    public async Task SubmitWorkflow_CycleUnknownDependencyUnknownTypeAndOversizedInput_InvalidArgumentListingEveryProblem()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Engine:Limits:MaxPayloadBytes"] = "1024" });
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var big = new string('x', 4096);
        var definition = Define(
            "bad",
            ("a", Step("echo", null, "b")),
            ("b", Step("echo", null, "a")),
            ("c", Step("echo", null, "ghost")),
            ("d", Step("teleport")),
            ("e", Step("echo", $$"""{"blob": "{{big}}"}""")));

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violations = error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations;
        Assert.Contains(violations, v => v.Description.Contains("cycle", StringComparison.OrdinalIgnoreCase) && v.Description.Contains('a') && v.Description.Contains('b'));
        Assert.Contains(violations, v => v.Field.StartsWith("steps.c.depends_on", StringComparison.Ordinal) && v.Description.Contains("ghost", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Field.StartsWith("steps.d", StringComparison.Ordinal) && v.Description.Contains("teleport", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Field.StartsWith("steps.e", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", error.Status.Detail, StringComparison.Ordinal);

        var valid = await orchestrator.Workflows.RunToEndAsync(Define("ok", ("a", Step("echo", """{"x": 1}"""))));
        Assert.Equal(ExecutionState.Succeeded, valid.State);
    }

    [Fact]
    public async Task GetExecution_MegabyteId_NotFoundWithBoundedMessage()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = new string('x', 1_000_000) }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.True(error.Status.Detail.Length < 1024, $"the message is {error.Status.Detail.Length} characters");
    }

    [Fact]
    public async Task SubmitWorkflow_ThousandsOfProblemsEchoingLongText_TrailersBoundedAndCountsTheRest()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var definition = new WorkflowDefinition { Id = "noisy" };
        for (var i = 0; i < 2000; i++)
        {
            var ghost = new string('g', 100) + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            definition.Steps.Add($"s{i}", Step("echo", "{\"t\": \"{{ steps." + ghost + ".output.x }}\"}"));
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var status = error.GetRpcStatus()!;
        Assert.True(status.CalculateSize() < 24 * 1024, $"the status is {status.CalculateSize()} bytes");
        Assert.Contains("more problem(s) not listed", status.GetDetail<BadRequest>()!.FieldViolations[^1].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitWorkflow_OnlyUnservedStepTypes_FailedPreconditionNamingEach()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var definition = Define("unserved", ("a", Step("alpha")), ("b", Step("beta", null, "a")));

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout());
        var validation = await orchestrator.Workflows.ValidateWorkflowAsync(new ValidateWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        var violations = error.GetRpcStatus()!.GetDetail<PreconditionFailure>()!.Violations;
        Assert.Contains(violations, v => v.Description.Contains("alpha", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Description.Contains("beta", StringComparison.Ordinal));
        Assert.False(validation.Valid);
        Assert.Equal(2, validation.Problems.Count);
    }

    [Fact]
    public async Task ValidateWorkflow_ValidDefinition_ReturnsThePlan()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var definition = Define("diamond", ("a", Step("echo")), ("b", Step("echo", null, "a")), ("c", Step("echo", null, "a")), ("d", Step("echo", null, "b", "c")));

        var validation = await orchestrator.Workflows.ValidateWorkflowAsync(new ValidateWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();

        Assert.True(validation.Valid);
        Assert.Empty(validation.Problems);
        Assert.Equal(3, validation.Plan.Levels.Count);
        Assert.Equal(2, validation.Plan.MaxWidth);
    }

    [Fact]
    public async Task UnknownExecution_GetWatchCancelRetry_NotFound()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var client = orchestrator.Workflows;

        var get = await Assert.ThrowsAsync<RpcException>(() => client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = "nope" }).ResponseAsync.DefaultTimeout());
        var watch = await Assert.ThrowsAsync<RpcException>(() => client.WatchToEndAsync("nope"));
        var cancel = await Assert.ThrowsAsync<RpcException>(() => client.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = "nope" }).ResponseAsync.DefaultTimeout());
        var retry = await Assert.ThrowsAsync<RpcException>(() => client.RetryExecutionAsync(new RetryExecutionRequest { ExecutionId = "nope" }).ResponseAsync.DefaultTimeout());

        Assert.All([get, watch, cancel, retry], e => Assert.Equal(StatusCode.NotFound, e.StatusCode));
    }

    [Fact]
    public async Task ListExecutions_GarbagePageToken_InvalidArgumentNamingTheField()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest { PageToken = "not-a-token!" }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("page_token", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task SubmitWorkflow_MissingDefinition_InvalidArgumentNamingTheField()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest()).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("definition", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task SubmitWorkflow_PastTheAdmissionLimit_ResourceExhausted()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Engine:MaxActiveExecutions"] = "2" });
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("hang");
        var definition = Define("hold", ("h", Step("hang")));

        var first = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        var second = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        await orchestrator.Workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = first.ExecutionId }).ResponseAsync.DefaultTimeout();
        await orchestrator.Workflows.WatchToEndAsync(first.ExecutionId);
        await AsyncTestHelpers.WaitUntilAsync(
            async () =>
            {
                try
                {
                    await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Define("after", ("n", Step("noop"))) });
                    return true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                {
                    return false;
                }
            },
            "a slot frees after a cancellation");
        await orchestrator.Workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = second.ExecutionId }).ResponseAsync.DefaultTimeout();
        await orchestrator.Workflows.WatchToEndAsync(second.ExecutionId);
    }

    [Fact]
    public async Task SubmitWorkflow_SameIdempotencyKeyTwice_ReturnsTheFirstExecution()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("noop");
        var request = new SubmitWorkflowRequest { Definition = Define("idem", ("n", Step("noop"))), IdempotencyKey = "order-42" };

        var first = await orchestrator.Workflows.SubmitWorkflowAsync(request).ResponseAsync.DefaultTimeout();
        var second = await orchestrator.Workflows.SubmitWorkflowAsync(request).ResponseAsync.DefaultTimeout();

        Assert.False(first.Existing);
        Assert.True(second.Existing);
        Assert.Equal(first.ExecutionId, second.ExecutionId);
    }
}
