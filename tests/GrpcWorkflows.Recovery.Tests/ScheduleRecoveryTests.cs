using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>
/// A schedule firing every second survives SIGKILLs of its orchestrator at the moment it fires: every
/// scheduled time from the first to the last has exactly one execution, none twice and none missing
/// (the downtime is inside the catch-up window, and every missed time is caught up).
/// </summary>
public sealed class ScheduleRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private const string ScheduleId = "every-second";
    private const int Kills = 5;

    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-schedules-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A child still holds a file: the OS cleans the temp folder.
        }
    }

    [Fact]
    public async Task Orchestrator_KilledAsItFires_EveryScheduledTimeHasExactlyOneExecution()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        var orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl: null);
        try
        {
            await orchestrator.Client.RegisterWorkflowAsync(new RegisterWorkflowRequest
            {
                Definition = new WorkflowDefinition
                {
                    Id = "tick",
                    Steps = { ["nap"] = new StepDefinition { Sleep = new SleepStep { Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(300)) } } },
                },
            }).ResponseAsync.DefaultTimeout();
            await orchestrator.Client.CreateScheduleAsync(new CreateScheduleRequest
            {
                Schedule = new Schedule
                {
                    ScheduleId = ScheduleId,
                    WorkflowRef = new WorkflowReference { Id = "tick" },
                    Cron = "* * * * * *",
                    OverlapPolicy = ScheduleOverlapPolicy.AllowAll,
                    CatchUp = ScheduleCatchUp.All,
                    CatchUpWindow = Duration.FromTimeSpan(TimeSpan.FromMinutes(2)),
                },
            }).ResponseAsync.DefaultTimeout();

            var refired = 0;
            for (var kill = 0; kill < Kills; kill++)
            {
                // SIGKILL the moment a time is fired: its execution is being submitted or is submitted, and the
                // schedule's progress is being recorded (the engine logs the submission just before the scheduler records it).
                await orchestrator.Process.WaitForLineAsync(IsFiring, TimeSpan.FromSeconds(30));
                orchestrator.Process.Kill();
                await orchestrator.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
                orchestrator.Dispose();
                orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl: null);
                refired += await CountRefiredAsync(orchestrator);
            }

            // Let the restarted orchestrator catch up and fire a few more times, then stop the schedule.
            var restarted = DateTimeOffset.UtcNow;
            await AsyncTestHelpers.WaitUntilAsync(
                async () => (await GetScheduleAsync(orchestrator)).State.LastFireTime?.ToDateTimeOffset() > restarted.AddSeconds(2),
                "the schedule fires again after the last restart");
            var paused = (await orchestrator.Client.PauseScheduleAsync(new PauseScheduleRequest { ScheduleId = ScheduleId }).ResponseAsync.DefaultTimeout()).Schedule;

            var executions = await ListAsync(orchestrator);
            var times = executions.Select(e => e.ScheduleTime.ToDateTimeOffset()).Order().ToList();
            output.WriteLine($"{times.Count} executions from {times[0]:O} to {times[^1]:O}; {Kills} kills; {refired} time(s) found already started after a restart");

            Assert.Equal(times.Count, times.Distinct().Count());
            var expected = Enumerable.Range(0, (int)(times[^1] - times[0]).TotalSeconds + 1).Select(s => times[0].AddSeconds(s)).ToList();
            Assert.Equal(expected, times);
            Assert.True(paused.State.LastFireTime.ToDateTimeOffset() >= times[^1]);
            Assert.Equal((0L, 0L), (paused.State.MissedCount, paused.State.SkippedCount));
            Assert.Equal(times.Count, paused.State.FiredCount);
        }
        finally
        {
            orchestrator.Dispose();
        }
    }

    private static bool IsFiring(string line)
        => line.Contains("of workflow tick submitted", StringComparison.Ordinal) || line.Contains("fired its time", StringComparison.Ordinal);

    /// <summary>How many times the restarted orchestrator found already started (the kill came between the submission and the recorded progress).</summary>
    private static async Task<int> CountRefiredAsync(OrchestratorProcess orchestrator)
    {
        await orchestrator.Process.WaitForLineAsync(line => line.Contains("fired its time", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        return orchestrator.Process.Lines.Count(line => line.Contains("(already there: True)", StringComparison.Ordinal));
    }

    private static async Task<Schedule> GetScheduleAsync(OrchestratorProcess orchestrator)
        => (await orchestrator.Client.GetScheduleAsync(new GetScheduleRequest { ScheduleId = ScheduleId }).ResponseAsync.DefaultTimeout()).Schedule;

    private static async Task<List<ExecutionSummary>> ListAsync(OrchestratorProcess orchestrator)
    {
        var request = new ListExecutionsRequest { PageSize = 1000, Labels = { ["schedule"] = ScheduleId } };
        return [.. (await orchestrator.Client.ListExecutionsAsync(request).ResponseAsync.DefaultTimeout()).Executions];
    }
}
