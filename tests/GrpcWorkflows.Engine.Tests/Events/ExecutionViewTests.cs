using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Events;

public sealed class ExecutionViewTests
{
    private static readonly Struct Output = new() { Fields = { ["n"] = Value.ForNumber(3) } };

    private static AttemptScript Served(string endpoint, bool fail = false) => new(
        TimeSpan.FromMilliseconds(1),
        fail ? StepAttemptResult.Failure("UNAVAILABLE", "busy", retryable: true, endpoint: endpoint) : StepAttemptResult.Success(Output, endpoint));

    [Fact]
    public async Task Attempt_DispatcherNamesTheEndpoint_EndpointIsOnTheOutcomeEventsAndTheAttemptHistory()
    {
        await using var h = await EngineHarness.StartAsync(r => r.Attempt == 1 ? Served("http://replica-1:5001", fail: true) : Served("http://replica-2:5002"));
        var definition = Define(S("a"));
        definition.DefaultRetryPolicy = new RetryPolicy { InitialBackoff = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(10)), Jitter = 0 };
        var id = await h.SubmitAsync(definition);

        await h.RunUntilIdleAsync();

        var events = await h.EventsAsync(id);
        Assert.Equal("http://replica-1:5001", events.Single(e => e.AttemptFailed is not null).AttemptFailed.Endpoint);
        Assert.Equal("http://replica-2:5002", events.Single(e => e.StepSucceeded is not null).StepSucceeded.Endpoint);
        var step = (await h.GetAsync(id)).Steps.Single();
        Assert.Equal(["http://replica-1:5001", "http://replica-2:5002"], step.AttemptHistory.Select(a => a.Endpoint));
    }

    [Fact]
    public async Task GetExecution_SummaryView_LeavesOutDefinitionInputsOutputsAndAttemptHistories()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(1, Output));
        var id = await h.SubmitAsync(Define(S("a"), S("b", "a")), new Struct { Fields = { ["x"] = Value.ForString("in") } });
        await h.RunUntilIdleAsync();

        var full = await h.Engine.GetExecutionAsync(id, ExecutionView.Full).DefaultTimeout();
        var summary = await h.Engine.GetExecutionAsync(id, ExecutionView.Summary).DefaultTimeout();

        Assert.NotNull(full!.Definition);
        Assert.All(full.Steps, s => Assert.Single(s.AttemptHistory));
        Assert.Null(summary!.Definition);
        Assert.Null(summary.Input);
        Assert.Null(summary.Result);
        Assert.All(summary.Steps, s => Assert.Null(s.Output));
        Assert.All(summary.Steps, s => Assert.Empty(s.AttemptHistory));
        Assert.Equal(full.Steps.Select(s => (s.StepId, s.State, s.Attempts, s.EndTime)), summary.Steps.Select(s => (s.StepId, s.State, s.Attempts, s.EndTime)));
        Assert.Equal((ExecutionState.Succeeded, full.LastSequence, full.Figures), (summary.State, summary.LastSequence, summary.Figures));
    }

    [Fact]
    public async Task Submit_LabelOnDefinitionAndSubmission_SubmissionWinsInTheExecutionAndTheStore()
    {
        await using var h = await EngineHarness.StartAsync();
        var definition = Define(S("a"));
        definition.Labels.Add(new Dictionary<string, string> { ["team"] = "data", ["tier"] = "gold" });
        var request = new SubmitWorkflowRequest { Definition = definition, Labels = { ["tier"] = "silver", ["run"] = "7" } };

        var created = await h.Engine.SubmitAsync(request).DefaultTimeout();
        await h.RunUntilIdleAsync();

        var expected = new Dictionary<string, string> { ["team"] = "data", ["tier"] = "silver", ["run"] = "7" };
        Assert.Equal(expected, (await h.GetAsync(created.ExecutionId)).Labels);
        Assert.Equal(expected, (await h.Store.GetAsync(created.ExecutionId))!.Labels);
    }
}
