using GrpcWorkflows.Engine.Schedules;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Tests.Schedules;

/// <summary>The times of a cron expression in a time zone, across daylight-saving changes, with seconds and bounds.</summary>
public sealed class ScheduleTimesTests
{
    private static readonly DateTimeOffset March28 = new(2026, 3, 28, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset October24 = new(2026, 10, 24, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Between_SpringForwardInParis_TheSkippedTimeFiresAtTheChange()
    {
        // 2026-03-29 in Paris: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
        var times = ScheduleTimes.Of(new Schedule { Cron = "30 2 * * *", TimeZone = "Europe/Paris" });

        var fired = times.Between(March28, March28.AddDays(3)).ToList();

        Assert.Equal(
            [
                new DateTimeOffset(2026, 3, 28, 1, 30, 0, TimeSpan.Zero), // 02:30 CET
                new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero),  // the change: 03:00 CEST
                new DateTimeOffset(2026, 3, 30, 0, 30, 0, TimeSpan.Zero), // 02:30 CEST
            ],
            fired.Select(t => t.ToUniversalTime()));
    }

    [Fact]
    public void Between_FallBackInParis_TheRepeatedTimeFiresOnce()
    {
        // 2026-10-25 in Paris: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice that night.
        var times = ScheduleTimes.Of(new Schedule { Cron = "30 2 * * *", TimeZone = "Europe/Paris" });

        var fired = times.Between(October24, October24.AddDays(3)).Where(t => t.UtcDateTime.Day == 25 || (t.UtcDateTime.Day == 24 && t.UtcDateTime.Hour >= 23)).ToList();

        Assert.Equal([new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero)], fired.Select(t => t.ToUniversalTime()));
    }

    [Fact]
    public void Between_SixFields_CountsSecondsAndHonoursStartAndEnd()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero);
        var times = ScheduleTimes.Of(new Schedule
        {
            Cron = "*/5 * * * * *",
            StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start),
            EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start.AddSeconds(12)),
        });

        Assert.Equal([start, start.AddSeconds(5), start.AddSeconds(10)], times.Between(start.AddMinutes(-1), start.AddMinutes(1)));
        Assert.Null(times.NextAfter(start.AddSeconds(10)));
    }

    [Theory]
    [InlineData("* * * *", "cron")]
    [InlineData("*/0 * * * *", "cron")]
    [InlineData("@weekly", null)]
    [InlineData("0 9 * * MON-FRI", null)]
    public void Checks_CronExpressions_AreAcceptedOrRefusedByField(string cron, string? field)
    {
        var problems = ScheduleChecks.Problems(new Schedule { ScheduleId = "s", WorkflowRef = new WorkflowReference { Id = "w" }, Cron = cron });

        Assert.Equal(field is null ? [] : [field], problems.Select(p => p.Field));
    }
}
