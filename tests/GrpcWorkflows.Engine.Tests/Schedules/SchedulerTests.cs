using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Schedules.ScheduleHarness;

namespace GrpcWorkflows.Engine.Tests.Schedules;

/// <summary>Schedules on a fake clock: each scheduled time fires once, the overlap policies, catch-up after downtime, pause, backfill, jitter, start and end.</summary>
public sealed class SchedulerTests
{
    [Fact]
    public async Task Schedule_EveryMinute_FiresEachTimeOnceAndTheExecutionRecordsIt()
    {
        await using var harness = await StartAsync();
        var created = await harness.CreateAsync(Every());
        Assert.Equal(At(Minutes(1)), created.State.NextFireTime);

        await harness.RunAsync(Minutes(3) + TimeSpan.FromSeconds(5));

        var executions = await harness.ExecutionsAsync();
        Assert.Equal([Minutes(1), Minutes(2), Minutes(3)], executions.Select(e => e.ScheduleTime.ToDateTimeOffset() - EngineHarness.Epoch));
        Assert.All(executions, e =>
        {
            Assert.Equal("every-minute", e.ScheduleId);
            Assert.Equal("every-minute", e.Labels["schedule"]);
            Assert.Equal(1, e.WorkflowVersion);
            Assert.Equal(ExecutionState.Succeeded, e.State);
            Assert.Equal("schedule", e.Input.Fields["from"].StringValue);
            Assert.InRange(e.CreateTime.ToDateTimeOffset() - e.ScheduleTime.ToDateTimeOffset(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
        });
        var schedule = await harness.GetAsync();
        Assert.Equal(3, schedule.State.FiredCount);
        Assert.Equal(At(Minutes(3)), schedule.State.LastFireTime);
        Assert.Equal(At(Minutes(4)), schedule.State.NextFireTime);
        Assert.Equal(executions[^1].ExecutionId, schedule.State.LastExecutionId);
    }

    [Fact]
    public async Task OverlapSkip_RunLongerThanTheInterval_SkipsTheTimesThatComeWhileItRuns()
    {
        // Each run takes 90 s: 1:00 runs to 2:30, so 2:00 is skipped; 3:00 runs to 4:30, so 4:00 is skipped.
        await using var harness = await StartAsync(stepSeconds: 90);
        await harness.CreateAsync(Every(overlap: ScheduleOverlapPolicy.Skip));

        await harness.RunAsync(Minutes(5) + TimeSpan.FromSeconds(5));

        Assert.Equal([Minutes(1), Minutes(3), Minutes(5)], await harness.FiredAsync());
        var state = (await harness.GetAsync()).State;
        Assert.Equal(3, state.FiredCount);
        Assert.Equal(2, state.SkippedCount);
    }

    [Fact]
    public async Task OverlapBufferOne_RunLongerThanTheInterval_StartsOneBufferedTimeWhenTheRunEnds()
    {
        // 1:00 runs to 2:30; 2:00 is buffered and starts at 2:30 (to 4:00); 3:00 is buffered, 4:00 finds
        // the buffer taken (the 2:00 run ends at 4:00, as 4:00 comes) or free: either way no two runs overlap.
        await using var harness = await StartAsync(stepSeconds: 90);
        await harness.CreateAsync(Every(overlap: ScheduleOverlapPolicy.BufferOne));

        await harness.RunAsync(Minutes(3) + TimeSpan.FromSeconds(5));

        var executions = await harness.ExecutionsAsync();
        Assert.Equal([Minutes(1), Minutes(2)], executions.Select(e => e.ScheduleTime.ToDateTimeOffset() - EngineHarness.Epoch));
        var buffered = executions[1];
        Assert.InRange(buffered.CreateTime.ToDateTimeOffset() - EngineHarness.Epoch, Minutes(2.5), Minutes(2.5) + TimeSpan.FromSeconds(1));
        Assert.True(executions[0].EndTime.ToDateTimeOffset() <= buffered.CreateTime.ToDateTimeOffset());
        var state = (await harness.GetAsync()).State;
        Assert.Equal(At(Minutes(3)), state.BufferedTime);

        await harness.RunAsync(Minutes(5));
        executions = await harness.ExecutionsAsync();
        for (var i = 1; i < executions.Count; i++)
        {
            Assert.True(executions[i - 1].EndTime.ToDateTimeOffset() <= executions[i].CreateTime.ToDateTimeOffset(), $"run {i} started before run {i - 1} ended");
        }

        Assert.Equal(executions.Count, executions.Select(e => e.ScheduleTime).Distinct().Count());
        Assert.True((await harness.GetAsync()).State.SkippedCount > 0);
    }

    [Fact]
    public async Task OverlapAllowAll_RunLongerThanTheInterval_StartsEveryTimeBesideTheRunningOnes()
    {
        await using var harness = await StartAsync(stepSeconds: 150);
        await harness.CreateAsync(Every(overlap: ScheduleOverlapPolicy.AllowAll));

        await harness.RunAsync(Minutes(3) + TimeSpan.FromSeconds(5));

        var executions = await harness.ExecutionsAsync();
        Assert.Equal([Minutes(1), Minutes(2), Minutes(3)], executions.Select(e => e.ScheduleTime.ToDateTimeOffset() - EngineHarness.Epoch));
        // Each run takes 150 s: at 3:05 the runs of 1:00, 2:00 and 3:00 all run side by side.
        Assert.All(executions, e => Assert.Equal(ExecutionState.Running, e.State));
        Assert.Equal(3, (await harness.GetAsync()).State.RunningExecutionIds.Count);
    }

    [Fact]
    public async Task OverlapCancelRunning_RunLongerThanTheInterval_CancelsTheRunningOneAndStartsTheNew()
    {
        await using var harness = await StartAsync(stepSeconds: 90);
        await harness.CreateAsync(Every(overlap: ScheduleOverlapPolicy.CancelRunning));

        await harness.RunAsync(Minutes(3) + TimeSpan.FromSeconds(5));

        var executions = await harness.ExecutionsAsync();
        Assert.Equal([Minutes(1), Minutes(2), Minutes(3)], executions.Select(e => e.ScheduleTime.ToDateTimeOffset() - EngineHarness.Epoch));
        Assert.Equal([ExecutionState.Cancelled, ExecutionState.Cancelled, ExecutionState.Running], executions.Select(e => e.State));
        Assert.Contains("CANCEL_RUNNING", executions[0].Error.Message, StringComparison.Ordinal);
        Assert.Equal([executions[2].ExecutionId], (await harness.GetAsync()).State.RunningExecutionIds);
    }

    [Theory]
    [InlineData(ScheduleCatchUp.All)]
    [InlineData(ScheduleCatchUp.Last)]
    public async Task Downtime_FiveTicksMissed_CatchUpStartsEveryMissedTimeOrOnlyTheLast(ScheduleCatchUp catchUp)
    {
        await using var harness = await StartAsync();
        var schedule = Every(overlap: ScheduleOverlapPolicy.AllowAll);
        schedule.CatchUp = catchUp;
        schedule.CatchUpWindow = Duration.FromTimeSpan(Minutes(10));
        await harness.CreateAsync(schedule);
        await harness.RunAsync(Minutes(1) + TimeSpan.FromSeconds(5));
        Assert.Equal([Minutes(1)], await harness.FiredAsync());

        // The orchestrator is down from 1:05 to 6:30: the times 2:00 to 6:00 pass unseen.
        await harness.StopSchedulerAsync();
        harness.Engine.Advance(Minutes(5) + TimeSpan.FromSeconds(25));
        await harness.RestartSchedulerAsync();
        await harness.RunAsync(TimeSpan.FromSeconds(2));

        var fired = await harness.FiredAsync();
        var state = (await harness.GetAsync()).State;
        if (catchUp == ScheduleCatchUp.All)
        {
            Assert.Equal([Minutes(1), Minutes(2), Minutes(3), Minutes(4), Minutes(5), Minutes(6)], fired);
            Assert.Equal(0, state.MissedCount);
        }
        else
        {
            Assert.Equal([Minutes(1), Minutes(6)], fired);
            Assert.Equal(4, state.MissedCount);
        }

        Assert.Equal(At(Minutes(6)), state.LastFireTime);
        Assert.Equal(At(Minutes(7)), state.NextFireTime);
    }

    [Fact]
    public async Task Downtime_LongerThanTheCatchUpWindow_StartsOnlyTheTimesInsideIt()
    {
        await using var harness = await StartAsync();
        var schedule = Every(overlap: ScheduleOverlapPolicy.AllowAll);
        schedule.CatchUpWindow = Duration.FromTimeSpan(Minutes(2.5));
        await harness.CreateAsync(schedule);

        await harness.StopSchedulerAsync();
        harness.Engine.Advance(Minutes(6) + TimeSpan.FromSeconds(10));
        await harness.RestartSchedulerAsync();

        // At 6:10, 4:00 to 6:00 are less than 2.5 minutes late; 1:00 to 3:00 are missed.
        Assert.Equal([Minutes(4), Minutes(5), Minutes(6)], await harness.FiredAsync());
        Assert.Equal(3, (await harness.GetAsync()).State.MissedCount);
    }

    [Fact]
    public async Task Restart_AfterFiring_DoesNotFireAnyTimeTwice()
    {
        await using var harness = await StartAsync();
        await harness.CreateAsync(Every());
        await harness.RunAsync(Minutes(2) + TimeSpan.FromSeconds(5));

        await harness.RestartSchedulerAsync();
        await harness.RestartSchedulerAsync();
        await harness.RunAsync(Minutes(1));

        Assert.Equal([Minutes(1), Minutes(2), Minutes(3)], await harness.FiredAsync());
    }

    [Fact]
    public async Task Firing_StoreFailsBeforeTheProgressIsRecorded_TheTimeIsSubmittedAgainAndFoundStarted()
    {
        await using var harness = await StartAsync();
        await harness.CreateAsync(Every());
        harness.Store.FailNextUpdate = true;

        await harness.RunAsync(Minutes(1) + TimeSpan.FromSeconds(3));

        Assert.Equal([Minutes(1)], await harness.FiredAsync());
        var state = (await harness.GetAsync()).State;
        Assert.Equal((1L, At(Minutes(1))), (state.FiredCount, state.LastFireTime));
    }

    [Fact]
    public async Task Firing_PausedWhileATimeIsBeingRecorded_TheStartedExecutionIsStillRecorded()
    {
        await using var harness = await StartAsync();
        await harness.CreateAsync(Every());
        await harness.RunAsync(TimeSpan.FromSeconds(59));
        harness.Store.BeforeNextUpdate = () => harness.Scheduler.PauseAsync("default", "every-minute", "mid-firing");

        await harness.RunAsync(Minutes(2));

        Assert.Equal([Minutes(1)], await harness.FiredAsync());
        var schedule = await harness.GetAsync();
        Assert.True(schedule.Paused);
        Assert.Equal((1L, At(Minutes(1))), (schedule.State.FiredCount, schedule.State.LastFireTime));
        Assert.Equal((await harness.ExecutionsAsync())[0].ExecutionId, schedule.State.LastExecutionId);
    }

    [Fact]
    public async Task PauseResume_TimesWhilePaused_AreNotStartedAndFiringGoesOnAfterResume()
    {
        await using var harness = await StartAsync();
        await harness.CreateAsync(Every());
        await harness.RunAsync(Minutes(1) + TimeSpan.FromSeconds(5));

        var paused = await harness.Scheduler.PauseAsync("default", "every-minute", "maintenance").DefaultTimeout();
        Assert.True(paused.Paused);
        Assert.Equal("maintenance", paused.PauseNote);
        Assert.Null(paused.State.NextFireTime);
        await harness.RunAsync(Minutes(3));
        Assert.Equal([Minutes(1)], await harness.FiredAsync());

        var resumed = await harness.Scheduler.ResumeAsync("default", "every-minute").DefaultTimeout();
        Assert.False(resumed.Paused);
        Assert.Equal(At(Minutes(5)), resumed.State.NextFireTime);
        await harness.RunAsync(Minutes(2));

        Assert.Equal([Minutes(1), Minutes(5), Minutes(6)], await harness.FiredAsync());
    }

    [Fact]
    public async Task Backfill_Range_StartsEachTimeOnceEvenWhenRepeated()
    {
        await using var harness = await StartAsync();
        await harness.RunAsync(Minutes(10));
        await harness.CreateAsync(Every(overlap: ScheduleOverlapPolicy.Skip));

        var first = await harness.Scheduler.BackfillAsync("default", "every-minute", EngineHarness.Epoch + Minutes(2), EngineHarness.Epoch + Minutes(4)).DefaultTimeout();
        Assert.Equal([Minutes(2), Minutes(3), Minutes(4)], first.Select(r => r.ScheduleTime.ToDateTimeOffset() - EngineHarness.Epoch));
        Assert.All(first, r => Assert.False(r.Existing));

        var again = await harness.Scheduler.BackfillAsync("default", "every-minute", EngineHarness.Epoch + Minutes(3), EngineHarness.Epoch + Minutes(5)).DefaultTimeout();
        Assert.Equal([true, true, false], again.Select(r => r.Existing));
        Assert.Equal(first[1].ExecutionId, again[0].ExecutionId);

        Assert.Equal([Minutes(2), Minutes(3), Minutes(4), Minutes(5)], await harness.FiredAsync());
        Assert.Equal(4, (await harness.GetAsync()).State.FiredCount);
    }

    [Fact]
    public async Task Jitter_EveryTime_FiresLaterByLessThanTheJitterAndTheSameAfterARestart()
    {
        await using var harness = await StartAsync();
        var schedule = Every(overlap: ScheduleOverlapPolicy.AllowAll);
        schedule.Jitter = Duration.FromTimeSpan(TimeSpan.FromSeconds(30));
        await harness.CreateAsync(schedule);

        await harness.RunAsync(Minutes(8));

        var delays = (await harness.ExecutionsAsync()).Select(e => e.CreateTime.ToDateTimeOffset() - e.ScheduleTime.ToDateTimeOffset()).ToList();
        Assert.Equal(7, delays.Count);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(31)));
        Assert.True(delays.Distinct().Count() > 1, $"every time fired with the same delay: {string.Join(", ", delays)}");
        var times = Engine.Schedules.ScheduleTimes.Of(await harness.GetAsync());
        Assert.InRange(delays[0] - times.JitterOf(EngineHarness.Epoch + Minutes(1)), TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task StartAndEnd_Bounds_OnlyTimesInsideThemFire()
    {
        await using var harness = await StartAsync();
        var schedule = Every(overlap: ScheduleOverlapPolicy.AllowAll);
        schedule.StartTime = At(Minutes(2.5));
        schedule.EndTime = At(Minutes(5));
        var created = await harness.CreateAsync(schedule);
        Assert.Equal(At(Minutes(3)), created.State.NextFireTime);

        await harness.RunAsync(Minutes(8));

        Assert.Equal([Minutes(3), Minutes(4), Minutes(5)], await harness.FiredAsync());
        Assert.Null((await harness.GetAsync()).State.NextFireTime);
    }

    [Fact]
    public async Task TimeZone_CronInNewYork_FiresAtNineLocalTime()
    {
        await using var harness = await StartAsync();
        var schedule = Every("0 9 * * *", ScheduleOverlapPolicy.AllowAll, "nine-am");
        schedule.TimeZone = "America/New_York";
        var created = await harness.CreateAsync(schedule);

        // 2026-01-01 09:00 in New York (EST, UTC-5) is 14:00 UTC.
        Assert.Equal(At(TimeSpan.FromHours(14)), created.State.NextFireTime);
        await harness.RunAsync(TimeSpan.FromHours(14) + TimeSpan.FromSeconds(2), tickSeconds: 60);
        Assert.Equal([TimeSpan.FromHours(14)], await harness.FiredAsync("nine-am"));
    }

    [Fact]
    public async Task Create_BadSettings_EveryProblemByFieldPath()
    {
        await using var harness = await StartAsync();
        var schedule = new Schedule
        {
            ScheduleId = "bad id",
            WorkflowRef = new WorkflowReference { Id = "job" },
            Cron = "61 * * * *",
            TimeZone = "Mars/Olympus_Mons",
            Jitter = Duration.FromTimeSpan(TimeSpan.FromHours(2)),
            StartTime = At(Minutes(10)),
            EndTime = At(Minutes(5)),
        };

        var error = await Assert.ThrowsAsync<WorkflowValidationException>(() => harness.Scheduler.CreateAsync("default", schedule)).DefaultTimeout();

        Assert.Equal(["cron", "end_time", "jitter", "schedule_id", "time_zone"], error.Result.Problems.Select(p => p.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Create_UnknownWorkflowOrTakenId_IsRefused()
    {
        await using var harness = await StartAsync();
        var schedule = Every();
        schedule.WorkflowRef.Id = "nope";
        var error = await Assert.ThrowsAsync<WorkflowValidationException>(() => harness.Scheduler.CreateAsync("default", schedule)).DefaultTimeout();
        Assert.Equal("workflow_ref.id", Assert.Single(error.Result.Problems).Field);

        await harness.CreateAsync(Every());
        await Assert.ThrowsAsync<Engine.Schedules.ScheduleExistsException>(() => harness.Scheduler.CreateAsync("default", Every())).DefaultTimeout();
    }
}
