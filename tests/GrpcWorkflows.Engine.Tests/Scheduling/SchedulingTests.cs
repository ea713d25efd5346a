using GrpcWorkflows.Engine.Commands;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Scheduling;

public sealed class SchedulingTests
{
    [Fact]
    public async Task Submit_StepWhoseDependencyIsDone_StartsWithoutWaitingForItsLevel()
    {
        // a (10 ms) -> c; b (100 ms) is on a's level. c must start at 10 ms, not at 100 ms.
        await using var h = await EngineHarness.StartAsync(r => AttemptScript.Succeed(r.StepId == "b" ? 100 : 10));
        var id = await h.SubmitAsync(Define(S("a"), S("b"), S("c", "a")));

        await h.RunUntilIdleAsync();

        var execution = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Succeeded, execution.State);
        var c = execution.Steps.Single(s => s.StepId == "c");
        Assert.Equal(EngineHarness.Epoch.AddMilliseconds(10), c.StartTime.ToDateTimeOffset());
        Assert.Equal(EngineHarness.Epoch.AddMilliseconds(100), execution.EndTime.ToDateTimeOffset());
    }

    [Fact]
    public async Task Submit_MoreReadyStepsThanMaxParallelSteps_NeverExceedsTheLimit()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(5), o => o.MaxParallelSteps = 3);
        var steps = Enumerable.Range(0, 20).Select(i => S($"s{i:00}")).ToArray();
        var id = await h.SubmitAsync(Define(steps));

        await h.RunUntilIdleAsync();

        Assert.Equal(3, h.Dispatcher.MaxInFlight);
        Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(id)).State);
        Assert.Equal(EngineHarness.Epoch.AddMilliseconds(35), (await h.GetAsync(id)).EndTime.ToDateTimeOffset());
    }

    [Fact]
    public async Task Submit_PerExecutionLimit_BoundsThatExecutionOnly()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(5), o => o.MaxParallelSteps = 100);
        var definition = Define([.. Enumerable.Range(0, 10).Select(i => S($"s{i}"))]);
        definition.MaxParallelSteps = 2;
        await h.SubmitAsync(definition);

        await h.RunUntilIdleAsync();

        Assert.Equal(2, h.Dispatcher.MaxInFlight);
    }

    [Fact]
    public async Task Submit_DispatcherCapacity_KeepsStepsReadyInTheEngine()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(5), o => o.MaxParallelSteps = 100);
        h.Dispatcher.Capacity["work"] = 2;
        await h.SubmitAsync(Define([.. Enumerable.Range(0, 10).Select(i => S($"s{i}"))]));

        Assert.Equal(8, h.Engine.ReadyQueueDepth);
        await h.RunUntilIdleAsync();

        Assert.Equal(2, h.Dispatcher.MaxInFlightOfType("work"));
        Assert.Equal(0, h.Engine.ReadyQueueDepth);
    }

    [Fact]
    public async Task Submit_ManyExecutionsWaitingOnAFullType_OtherTypesStillStartAndAllFinish()
    {
        // 200 executions wait for the single slot of "slow"; one behind them needs "fast", which is free.
        await using var h = await EngineHarness.StartAsync(r => AttemptScript.Succeed(r.StepType == "slow" ? 10 : 1), o => o.MaxParallelSteps = 1000);
        h.Dispatcher.Capacity["slow"] = 1;
        var slowIds = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            slowIds.Add(await h.SubmitAsync(Typed(Define(S("a"), S("b", "a")), "slow")));
        }

        var fast = await h.SubmitAsync(Typed(Define(S("x")), "fast"));
        await h.RunUntilAsync(() => h.Engine.ActiveExecutionCount == 0);

        Assert.Equal(EngineHarness.Epoch.AddMilliseconds(1), (await h.GetAsync(fast)).EndTime.ToDateTimeOffset());
        Assert.Equal(1, h.Dispatcher.MaxInFlightOfType("slow"));
        foreach (var id in slowIds)
        {
            Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(id)).State);
        }

        Assert.Equal(EngineHarness.Epoch.AddMilliseconds(200 * 2 * 10), (await h.GetAsync(slowIds[^1])).EndTime.ToDateTimeOffset());

        static WorkflowDefinition Typed(WorkflowDefinition definition, string type)
        {
            foreach (var step in definition.Steps.Values)
            {
                step.Type = type;
            }

            return definition;
        }
    }

    [Fact]
    public async Task Submit_SmallExecutionAfterAHugeOne_IsNotStarved()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(10), o => o.MaxParallelSteps = 4);
        var big = await h.SubmitAsync(Define([.. Enumerable.Range(0, 1000).Select(i => S($"s{i:0000}"))]));
        var small = await h.SubmitAsync(Define(S("x"), S("y", "x")));

        await h.RunUntilAsync(() => h.Engine.ActiveExecutionCount == 1);

        var finishedSmall = await h.GetAsync(small);
        Assert.Equal(ExecutionState.Succeeded, finishedSmall.State);
        Assert.True(finishedSmall.EndTime.ToDateTimeOffset() <= EngineHarness.Epoch.AddMilliseconds(40), $"the small execution ended at {finishedSmall.EndTime}");
        Assert.Equal(ExecutionState.Running, (await h.GetAsync(big)).State);
    }

    [Fact]
    public async Task Submit_PastMaxActiveExecutions_IsRejected()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Hang(), o => o.MaxActiveExecutions = 2);
        await h.SubmitAsync(Define(S("a")));
        await h.SubmitAsync(Define(S("a")));

        var error = await Assert.ThrowsAsync<AdmissionRejectedException>(() => h.SubmitAsync(Define(S("a"))));

        Assert.Equal(2, error.MaxActiveExecutions);
        Assert.Equal(2, h.Engine.ActiveExecutionCount);
    }

    [Fact]
    public async Task Submit_InvalidDefinition_ThrowsWithEveryProblem()
    {
        await using var h = await EngineHarness.StartAsync();

        var error = await Assert.ThrowsAsync<WorkflowValidationException>(() => h.SubmitAsync(Define(S("a", "a", "ghost"))));

        Assert.Equal(2, error.Result.Problems.Count);
        Assert.Empty(await h.Store.ListActiveAsync());
    }

    [Fact]
    public async Task Submit_SameIdempotencyKeyTwice_ReturnsTheFirstExecution()
    {
        await using var h = await EngineHarness.StartAsync();
        var request = new SubmitExecution(Define(S("a")), IdempotencyKey: "k1");

        var first = await h.Engine.SubmitAsync(request).DefaultTimeout();
        var second = await h.Engine.SubmitAsync(request).DefaultTimeout();

        Assert.False(first.Existing);
        Assert.True(second.Existing);
        Assert.Equal(first.ExecutionId, second.ExecutionId);
        Assert.Equal(1, h.Engine.ActiveExecutionCount);
    }

    [Fact]
    public async Task Submit_Success_ResultIsLeafOutputsOrMergedOutputResults()
    {
        await using var h = await EngineHarness.StartAsync(r => AttemptScript.Succeed(1, Json($$"""{"from": "{{r.StepId}}"}""")));
        var leaves = await h.SubmitAsync(Define(S("a"), S("b", "a"), S("c", "a")));
        var withOutput = Define(S("a"), S("out1", "a"), S("out2", "a"));
        withOutput.Steps["out1"].Type = "output";
        withOutput.Steps["out2"].Type = "output";
        await using var h2 = await EngineHarness.StartAsync(r => AttemptScript.Succeed(1, Json($$$"""{"result": {"{{{r.StepId}}}": 1, "shared": "{{{r.StepId}}}"}}""")));
        var outputs = await h2.SubmitAsync(withOutput);

        await h.RunUntilIdleAsync();
        await h2.RunUntilIdleAsync();

        Assert.Equal("""{ "b": { "from": "b" }, "c": { "from": "c" } }""", (await h.GetAsync(leaves)).Result.ToString());
        Assert.Equal("""{ "out1": 1, "shared": "out2", "out2": 1 }""", (await h2.GetAsync(outputs)).Result.ToString());
    }

    [Fact]
    public async Task GetExecution_Figures_HaveTimesAttemptsAndCriticalPathByDuration()
    {
        await using var h = await EngineHarness.StartAsync(r => AttemptScript.Succeed(r.StepId == "slow" ? 50 : 10), o => o.MaxParallelSteps = 1);
        var id = await h.SubmitAsync(Define(S("a"), S("b", "a"), S("c", "b"), S("slow", "a"), S("end", "c", "slow")));

        await h.RunUntilIdleAsync();

        var figures = (await h.GetAsync(id)).Figures;
        Assert.Equal(["a", "slow", "end"], figures.CriticalPath);
        Assert.Equal(TimeSpan.FromMilliseconds(70), figures.CriticalPathDuration.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMilliseconds(90), figures.TotalDuration.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMilliseconds(90), figures.StepDurationSum.ToTimeSpan());
        Assert.Equal(5, figures.AttemptCount);
        Assert.Equal(5, figures.StepCounts["STEP_STATE_SUCCEEDED"]);
        Assert.True(figures.QueueWaitSum.ToTimeSpan() > TimeSpan.Zero);
    }

    [Fact]
    public async Task Submit_BeforeStart_Throws()
    {
        await using var h = new EngineHarness();

        await Assert.ThrowsAsync<InvalidOperationException>(() => h.SubmitAsync(Define(S("a"))));
    }
}
