using System.Text.Json;
using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Online;

/// <summary><c>gwf schedule create|list|get|pause|resume|backfill|delete</c> and <c>gwf status</c> of a scheduled run, against <c>gwf dev</c>, as real processes.</summary>
[Collection(DevClusterGroup.Name)]
public sealed class ScheduleCommandTests(DevCluster cluster) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-schedule-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task CreatePausedBackfillResumeDelete_TheRunsCarryTheSchedule()
    {
        var workflow = $"cli-sched-wf-{Guid.NewGuid():N}"[..24];
        var schedule = $"cli-sched-{Guid.NewGuid():N}"[..20];
        var file = Path.Combine(_folder, "wf.json");
        File.WriteAllText(file, """{"id": "ID", "steps": {"one": {"type": "input", "input": {"data": {"v": 1}}}}}""".Replace("ID", workflow, StringComparison.Ordinal));
        Assert.Equal(0, (await cluster.RunAsync("workflow", "register", file)).ExitCode);

        var created = await cluster.RunAsync("schedule", "create", schedule, "--ref", workflow, "--cron", "0 9 * * MON-FRI", "--time-zone", "Europe/Paris", "--overlap", "buffer-one", "--catch-up", "last", "--paused");
        var list = await cluster.RunAsync("schedule", "list");
        var backfill = await cluster.RunAsync("schedule", "backfill", schedule, "--from", "2026-11-30T00:00:00Z", "--to", "2026-12-01T23:59:59Z", "-o", "json");
        var again = await cluster.RunAsync("schedule", "backfill", schedule, "--from", "2026-11-30T00:00:00Z", "--to", "2026-11-30T23:59:59Z");
        var resumed = await cluster.RunAsync("schedule", "resume", schedule);
        var paused = await cluster.RunAsync("schedule", "pause", schedule, "--note", "maintenance");
        var got = await cluster.RunAsync("schedule", "get", schedule);
        var delete = await cluster.RunAsync("schedule", "delete", schedule);
        var afterDelete = await cluster.RunAsync("schedule", "get", schedule);

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains($"Schedule {schedule}", created.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("PAUSED", created.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("overlap buffer-one, catch-up last", created.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(schedule, list.StandardOutput, StringComparison.Ordinal);
        Assert.True(backfill.ExitCode == 0, backfill.ToString());
        var runs = JsonDocument.Parse(backfill.StandardOutput).RootElement.GetProperty("runs").EnumerateArray().ToList();
        // Monday 30 November and Tuesday 1 December 2026 at 09:00 in Paris (CET, UTC+1).
        Assert.Equal(["2026-11-30T08:00:00Z", "2026-12-01T08:00:00Z"], runs.Select(r => r.GetProperty("scheduleTime").GetString()));
        Assert.Contains("started before", again.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1 scheduled time(s), 0 new execution(s)", again.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("PAUSED", resumed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("paused: maintenance", paused.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("fired 2,", got.StandardOutput, StringComparison.Ordinal);
        var executionId = runs[0].GetProperty("executionId").GetString()!;
        Assert.Equal(0, (await cluster.RunAsync("watch", executionId)).ExitCode);
        var status = await cluster.RunAsync("status", executionId);
        Assert.Contains($"started by schedule {schedule} for its time 2026-11-30 08:00:00Z", status.StandardOutput, StringComparison.Ordinal);
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.NotEqual(0, afterDelete.ExitCode);
        Assert.Contains("NOT_FOUND", afterDelete.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_BadCronAndZone_EveryProblemByFieldAndExitCode2()
    {
        var result = await cluster.RunAsync("schedule", "create", "cli-bad-schedule", "--ref", "anything", "--cron", "0 25 * * *", "--time-zone", "Nowhere/Land");
        var badOverlap = await cluster.RunAsync("schedule", "create", "cli-bad-schedule", "--ref", "anything", "--cron", "@daily", "--overlap", "sometimes");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("schedule.cron", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("schedule.time_zone", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, badOverlap.ExitCode);
        Assert.Contains("skip, buffer-one, allow-all or cancel-running", badOverlap.StandardError, StringComparison.Ordinal);
    }
}
