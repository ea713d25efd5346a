using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>Schedules over real gRPC: checks by field path, real firing every second, the execution and its listing carry the schedule, pause, backfill, delete.</summary>
public sealed class ScheduleServiceTests
{
    [Fact]
    public async Task CreateSchedule_BadSettings_InvalidArgumentWithEveryFieldPath()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var bad = new Schedule
        {
            ScheduleId = "nightly report",
            WorkflowRef = new WorkflowReference { Id = "report" },
            Cron = "0 25 * * *",
            TimeZone = "Europe/Atlantis",
            StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.CreateScheduleAsync(new CreateScheduleRequest { Schedule = bad }).ResponseAsync).DefaultTimeout();
        var unknown = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.CreateScheduleAsync(new CreateScheduleRequest
        {
            Schedule = new Schedule { ScheduleId = "nightly", WorkflowRef = new WorkflowReference { Id = "never-registered" }, Cron = "@daily" },
        }).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(
            ["schedule.cron", "schedule.end_time", "schedule.schedule_id", "schedule.time_zone"],
            error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field).Order(StringComparer.Ordinal));
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Equal("schedule.workflow_ref.id", Assert.Single(unknown.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task Schedule_EverySecond_FiresExecutionsThatCarryTheScheduleUntilPaused()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var workflows = orchestrator.Workflows;
        await workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = Define("tick", ("a", Step("echo", """{"x": "{{ workflow.input.x }}"}"""))) }).ResponseAsync.DefaultTimeout();

        var created = await workflows.CreateScheduleAsync(new CreateScheduleRequest
        {
            Schedule = new Schedule
            {
                ScheduleId = "every-second",
                WorkflowRef = new WorkflowReference { Id = "tick" },
                Cron = "* * * * * *",
                Input = Json("""{"x": 7}"""),
                OverlapPolicy = ScheduleOverlapPolicy.AllowAll,
            },
        }).ResponseAsync.DefaultTimeout();
        Assert.NotNull(created.Schedule.State.NextFireTime);

        var listed = await WaitForRunsAsync(workflows, "every-second", 2);
        var paused = await workflows.PauseScheduleAsync(new PauseScheduleRequest { ScheduleId = "every-second", Note = "enough" }).ResponseAsync.DefaultTimeout();
        var first = listed.MinBy(e => e.ScheduleTime.ToDateTimeOffset())!;
        await workflows.WatchToEndAsync(first.ExecutionId);
        var execution = (await workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = first.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;

        Assert.Equal(("every-second", first.ScheduleTime), (execution.ScheduleId, execution.ScheduleTime));
        Assert.Equal(0, execution.ScheduleTime.Nanos);
        Assert.Equal(ExecutionState.Succeeded, execution.State);
        Assert.Equal(7, execution.Steps.Single().Output.Fields["x"].NumberValue);
        Assert.Equal(listed.Count, listed.Select(e => e.ScheduleTime).Distinct().Count());
        Assert.True(paused.Schedule.Paused);
        var got = (await workflows.GetScheduleAsync(new GetScheduleRequest { ScheduleId = "every-second" }).ResponseAsync.DefaultTimeout()).Schedule;
        Assert.True(got.State.FiredCount >= 2);
        Assert.Equal("enough", got.PauseNote);

        // A backfill of times the schedule fired itself finds their executions.
        var backfilled = await workflows.BackfillScheduleAsync(new BackfillScheduleRequest { ScheduleId = "every-second", StartTime = first.ScheduleTime, EndTime = first.ScheduleTime }).ResponseAsync.DefaultTimeout();
        Assert.Equal((first.ExecutionId, true), (Assert.Single(backfilled.Runs).ExecutionId, backfilled.Runs[0].Existing));

        Assert.Equal(["every-second"], (await workflows.ListSchedulesAsync(new ListSchedulesRequest()).ResponseAsync.DefaultTimeout()).Schedules.Select(s => s.ScheduleId));
        await workflows.DeleteScheduleAsync(new DeleteScheduleRequest { ScheduleId = "every-second" }).ResponseAsync.DefaultTimeout();
        var gone = await Assert.ThrowsAsync<RpcException>(() => workflows.GetScheduleAsync(new GetScheduleRequest { ScheduleId = "every-second" }).ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    private static async Task<List<ExecutionSummary>> WaitForRunsAsync(WorkflowService.WorkflowServiceClient workflows, string scheduleId, int count)
    {
        var request = new ListExecutionsRequest { Labels = { ["schedule"] = scheduleId } };
        List<ExecutionSummary> runs = [];
        await AsyncTestHelpers.WaitUntilAsync(
            () =>
            {
                runs = [.. workflows.ListExecutions(request).Executions];
                return runs.Count >= count;
            },
            $"the schedule {scheduleId} started {count} executions");
        return runs;
    }
}
