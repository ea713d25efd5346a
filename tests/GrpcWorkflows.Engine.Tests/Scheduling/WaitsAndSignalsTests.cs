using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Scheduling;

/// <summary>Waits, signals and the execution timeout through the whole engine on a fake clock.</summary>
public sealed class WaitsAndSignalsTests
{
    private static WorkflowDefinition Approval(WaitForSignalStep? wait = null)
    {
        var definition = Define(S("approve"), S("ship", "approve"));
        definition.Steps["approve"] = new StepDefinition
        {
            WaitForSignal = wait ?? new WaitForSignalStep
            {
                Name = "approval",
                Schema = Json("""{"type": "object", "required": ["approved"], "properties": {"approved": {"type": "boolean"}}}"""),
            },
        };
        return definition;
    }

    [Fact]
    public async Task Signal_PayloadOfTheSchema_CompletesTheWaitAndTheDependentSeesIt()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(1));
        var id = await h.SubmitAsync(Approval());
        await h.RunUntilAsync(() => h.Engine.GetExecutionAsync(id).Result!.Steps.Any(s => s.State == StepState.Suspended));

        var invalid = await Assert.ThrowsAsync<WorkflowValidationException>(() => h.Engine.SignalAsync(id, "approval", Json("""{"approved": "yes"}""")).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("payload", Assert.Single(invalid.Result.Problems).Field);
        Assert.Contains("schema of step 'approve'", invalid.Result.Problems[0].Description, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<ExecutionStateConflictException>(() => h.Engine.SignalAsync(id, "other", null).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("its steps wait for 'approval'", unknown.Message, StringComparison.Ordinal);
        Assert.Empty(h.Dispatcher.Requests);

        var completed = await h.Engine.SignalAsync(id, "approval", Json("""{"approved": true}""")).WaitAsync(TimeSpan.FromSeconds(30));
        await h.RunUntilIdleAsync();

        Assert.Equal(["approve"], completed);
        var request = Assert.Single(h.Dispatcher.Requests);
        Assert.True(request.Dependencies["approve"].Fields["approved"].BoolValue);
        Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(id)).State);
        await Assert.ThrowsAsync<ExecutionStateConflictException>(() => h.Engine.SignalAsync(id, "approval", null).WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<ExecutionNotFoundException>(() => h.Engine.SignalAsync("nope", "approval", null).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Waits_HoldNoExecutorCapacity_OtherStepsRunMeanwhile()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(1), o => o.MaxParallelSteps = 1);
        var definition = Define(S("nap"), S("approve"), S("work"));
        definition.MaxParallelSteps = 1;
        definition.Steps["nap"] = new StepDefinition { Sleep = new SleepStep { Duration = Duration.FromTimeSpan(TimeSpan.FromHours(1)) } };
        definition.Steps["approve"] = new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "go" } };
        var id = await h.SubmitAsync(definition);

        await h.RunUntilAsync(() => h.Engine.GetExecutionAsync(id).Result!.Steps.Single(s => s.StepId == "work").State == StepState.Succeeded, virtualLimit: TimeSpan.FromMinutes(1));

        var execution = await h.GetAsync(id);
        Assert.Equal(StepState.Suspended, execution.Steps.Single(s => s.StepId == "nap").State);
        Assert.Equal(StepState.Suspended, execution.Steps.Single(s => s.StepId == "approve").State);
        Assert.Equal(0, h.Engine.ReadyQueueDepth);
    }

    [Fact]
    public async Task SleepAndExecutionTimeout_SurviveAnEngineRestart_TimeoutFailsTheRunAtItsRecordedDeadline()
    {
        var first = new EngineHarness(_ => AttemptScript.Succeed(1));
        await first.Engine.StartAsync().DefaultTimeout();
        var definition = Define(S("nap"), S("after", "nap"), S("approve"));
        definition.Steps["nap"] = new StepDefinition { Sleep = new SleepStep { Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) } };
        definition.Steps["approve"] = new StepDefinition { WaitForSignal = new WaitForSignalStep { Name = "never" } };
        definition.Timeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(30));
        var id = await first.SubmitAsync(definition);
        await first.RunUntilAsync(() => first.Engine.GetExecutionAsync(id).Result!.Steps.Count(s => s.State == StepState.Suspended) == 2);
        first.Advance(TimeSpan.FromMinutes(4));
        await first.Engine.StopAsync().DefaultTimeout();
        await first.DisposeAsync();

        await using var second = new EngineHarness(_ => AttemptScript.Succeed(1), store: first.Store, time: first.Time);
        await second.Engine.StartAsync().DefaultTimeout();
        second.Advance(TimeSpan.FromMinutes(6) - TimeSpan.FromMilliseconds(10));
        Assert.Empty(second.Dispatcher.Requests);
        await second.RunUntilAsync(() => second.Dispatcher.Requests.Count == 1, virtualLimit: TimeSpan.FromSeconds(1));
        await second.RunUntilIdleAsync();

        var execution = await second.GetAsync(id);
        Assert.Equal(ExecutionState.Failed, execution.State);
        Assert.Equal("DEADLINE_EXCEEDED", execution.Error.Code);
        Assert.Equal(EngineHarness.Epoch.AddMinutes(30), execution.EndTime.ToDateTimeOffset());
        Assert.Equal(StepState.Succeeded, execution.Steps.Single(s => s.StepId == "after").State);
        var approve = execution.Steps.Single(s => s.StepId == "approve");
        Assert.Equal(StepState.Cancelled, approve.State);
        Assert.Equal("the execution did not finish within its timeout of 00:30:00", approve.Reason);
        Assert.Single(await second.EventsAsync(id), e => e.TimedOut is not null);
    }
}
