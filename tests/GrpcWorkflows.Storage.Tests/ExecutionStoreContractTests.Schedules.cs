using GrpcWorkflows.Engine.Schedules;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Storage.Tests.TestEvents;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>The contract of <see cref="IScheduleStore"/>, which every execution store also implements.</summary>
public abstract partial class ExecutionStoreContractTests
{
    private IScheduleStore Schedules => Assert.IsAssignableFrom<IScheduleStore>(Store);

    private static Schedule NewSchedule(string id, string scheduleNamespace = "default") => new()
    {
        Namespace = scheduleNamespace,
        ScheduleId = id,
        WorkflowRef = new WorkflowReference { Id = "orders" },
        Cron = "*/5 * * * *",
        TimeZone = "Europe/Paris",
        State = new ScheduleState(),
    };

    [SkippableFact]
    public async Task CreateScheduleAsync_ThenGet_RoundTripsAtRevisionOne_AndRefusesATakenId()
    {
        var schedule = NewSchedule("nightly");
        schedule.Labels["team"] = "data";

        Assert.True(await Schedules.CreateScheduleAsync(schedule).DefaultTimeout());
        Assert.False(await Schedules.CreateScheduleAsync(NewSchedule("nightly")).DefaultTimeout());
        Assert.True(await Schedules.CreateScheduleAsync(NewSchedule("nightly", "team-a")).DefaultTimeout());

        var stored = await Schedules.GetScheduleAsync("default", "nightly").DefaultTimeout();
        Assert.Equal(1, stored!.Revision);
        Assert.Equal(schedule, stored.Schedule);
        Assert.Null(await Schedules.GetScheduleAsync("team-b", "nightly").DefaultTimeout());
    }

    [SkippableFact]
    public async Task UpdateScheduleAsync_CompareAndSet_OnlyTheHolderOfTheRevisionWins()
    {
        await Schedules.CreateScheduleAsync(NewSchedule("nightly")).DefaultTimeout();
        var first = (await Schedules.GetScheduleAsync("default", "nightly").DefaultTimeout())!;
        var second = (await Schedules.GetScheduleAsync("default", "nightly").DefaultTimeout())!;

        first.Schedule.State.FiredCount = 1;
        second.Schedule.State.SkippedCount = 1;
        Assert.True(await Schedules.UpdateScheduleAsync(first.Schedule, first.Revision).DefaultTimeout());
        Assert.False(await Schedules.UpdateScheduleAsync(second.Schedule, second.Revision).DefaultTimeout());

        var stored = (await Schedules.GetScheduleAsync("default", "nightly").DefaultTimeout())!;
        Assert.Equal((2L, 1L, 0L), (stored.Revision, stored.Schedule.State.FiredCount, stored.Schedule.State.SkippedCount));
        Assert.False(await Schedules.UpdateScheduleAsync(NewSchedule("unknown"), 1).DefaultTimeout());
    }

    [SkippableFact]
    public async Task ListSchedulesAsync_OneNamespace_ById_InPages()
    {
        foreach (var id in new[] { "c", "a", "b" })
        {
            await Schedules.CreateScheduleAsync(NewSchedule(id)).DefaultTimeout();
        }

        await Schedules.CreateScheduleAsync(NewSchedule("z", "team-a")).DefaultTimeout();

        var first = await Schedules.ListSchedulesAsync("default", 2, null).DefaultTimeout();
        var second = await Schedules.ListSchedulesAsync("default", 2, first.NextPageToken).DefaultTimeout();

        Assert.Equal(["a", "b"], first.Items.Select(s => s.ScheduleId));
        Assert.Equal(["c"], second.Items.Select(s => s.ScheduleId));
        Assert.Null(second.NextPageToken);
        await Assert.ThrowsAsync<ArgumentException>(() => Schedules.ListSchedulesAsync("team-a", 2, first.NextPageToken).AsTask()).DefaultTimeout();
    }

    [SkippableFact]
    public async Task DeleteScheduleAsync_RemovesIt_AndAnUpdateAfterwardsFails()
    {
        await Schedules.CreateScheduleAsync(NewSchedule("nightly")).DefaultTimeout();
        var stored = (await Schedules.GetScheduleAsync("default", "nightly").DefaultTimeout())!;

        Assert.True(await Schedules.DeleteScheduleAsync("default", "nightly").DefaultTimeout());
        Assert.False(await Schedules.DeleteScheduleAsync("default", "nightly").DefaultTimeout());
        Assert.Null(await Schedules.GetScheduleAsync("default", "nightly").DefaultTimeout());
        Assert.False(await Schedules.UpdateScheduleAsync(stored.Schedule, stored.Revision).DefaultTimeout());
    }

    [SkippableFact]
    public async Task ClaimSchedulesAsync_OneOwnerAtATime_UntilTheLeaseExpiresOrIsReleased()
    {
        await Schedules.CreateScheduleAsync(NewSchedule("a")).DefaultTimeout();
        await Schedules.CreateScheduleAsync(NewSchedule("b", "team-a")).DefaultTimeout();
        var lease = TimeSpan.FromSeconds(15);

        var byOne = await Schedules.ClaimSchedulesAsync("one", Epoch, lease).DefaultTimeout();
        var byTwo = await Schedules.ClaimSchedulesAsync("two", Epoch.AddSeconds(10), lease).DefaultTimeout();
        var renewed = await Schedules.ClaimSchedulesAsync("one", Epoch.AddSeconds(10), lease).DefaultTimeout();
        var beforeExpiry = await Schedules.ClaimSchedulesAsync("two", Epoch.AddSeconds(24), lease).DefaultTimeout();
        var afterExpiry = await Schedules.ClaimSchedulesAsync("two", Epoch.AddSeconds(26), lease).DefaultTimeout();

        Assert.Equal([new ScheduleKey("default", "a"), new ScheduleKey("team-a", "b")], byOne.OrderBy(k => k.Namespace, StringComparer.Ordinal));
        Assert.Empty(byTwo);
        Assert.Equal(2, renewed.Count);
        Assert.Empty(beforeExpiry);
        Assert.Equal(2, afterExpiry.Count);
        Assert.Empty(await Schedules.ClaimSchedulesAsync("one", Epoch.AddSeconds(27), lease).DefaultTimeout());

        await Schedules.ReleaseSchedulesAsync("two").AsTask().DefaultTimeout();
        Assert.Equal(2, (await Schedules.ClaimSchedulesAsync("one", Epoch.AddSeconds(28), lease).DefaultTimeout()).Count);
    }
}
