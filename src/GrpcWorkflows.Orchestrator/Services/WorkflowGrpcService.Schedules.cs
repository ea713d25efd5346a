using Grpc.Core;
using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Schedules;
using GrpcWorkflows.Orchestrator.Services.Internal;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Services;

/// <summary>Schedules: <c>CreateSchedule</c>, <c>GetSchedule</c>, <c>ListSchedules</c>, <c>PauseSchedule</c>, <c>ResumeSchedule</c>, <c>DeleteSchedule</c>, <c>BackfillSchedule</c>.</summary>
internal sealed partial class WorkflowGrpcService
{
    /// <summary>The longest pause note.</summary>
    private const int MaxPauseNoteLength = 1024;

    /// <inheritdoc />
    public override async Task<CreateScheduleResponse> CreateSchedule(CreateScheduleRequest request, ServerCallContext context)
    {
        if (request.Schedule is null)
        {
            throw RpcErrors.InvalidField("schedule", "is required: schedule_id, workflow_ref and cron at least.");
        }

        var scheduleNamespace = CoveredNamespace(request.Namespace, context);
        try
        {
            var created = await scheduler.CreateAsync(scheduleNamespace, request.Schedule, context.CancellationToken);
            return new CreateScheduleResponse { Schedule = created };
        }
        catch (WorkflowValidationException ex)
        {
            throw RpcErrors.InvalidArgument($"The schedule has {ex.Result.Problems.Count} problem(s)", ex.Result.Problems.Select(p => new ValidationProblem { Field = $"schedule.{p.Field}", Description = p.Description }));
        }
        catch (ScheduleExistsException ex)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, ex.Message));
        }
    }

    /// <inheritdoc />
    public override async Task<GetScheduleResponse> GetSchedule(GetScheduleRequest request, ServerCallContext context)
    {
        RequireScheduleId(request.ScheduleId);
        var scheduleNamespace = CoveredNamespace(request.Namespace, context);
        var schedule = await scheduler.GetAsync(scheduleNamespace, request.ScheduleId, context.CancellationToken)
            ?? throw ScheduleNotFound(new ScheduleNotFoundException(scheduleNamespace, request.ScheduleId));
        return new GetScheduleResponse { Schedule = schedule };
    }

    /// <inheritdoc />
    public override async Task<ListSchedulesResponse> ListSchedules(ListSchedulesRequest request, ServerCallContext context)
    {
        var pageSize = PageSizeOf(request.PageSize);
        var scheduleNamespace = CoveredNamespace(request.Namespace, context);
        var page = await ListPageAsync(() => scheduler.ListAsync(scheduleNamespace, pageSize, request.PageToken, context.CancellationToken));

        var response = new ListSchedulesResponse { NextPageToken = page.NextPageToken ?? "" };
        response.Schedules.Add(page.Items);
        return response;
    }

    /// <inheritdoc />
    public override async Task<PauseScheduleResponse> PauseSchedule(PauseScheduleRequest request, ServerCallContext context)
    {
        RequireScheduleId(request.ScheduleId);
        if (request.Note.Length > MaxPauseNoteLength)
        {
            throw RpcErrors.InvalidField("note", $"must be at most {MaxPauseNoteLength} characters.");
        }

        var scheduleNamespace = CoveredNamespace(request.Namespace, context);
        try
        {
            return new PauseScheduleResponse { Schedule = await scheduler.PauseAsync(scheduleNamespace, request.ScheduleId, request.Note, context.CancellationToken) };
        }
        catch (ScheduleNotFoundException ex)
        {
            throw ScheduleNotFound(ex);
        }
    }

    /// <inheritdoc />
    public override async Task<ResumeScheduleResponse> ResumeSchedule(ResumeScheduleRequest request, ServerCallContext context)
    {
        RequireScheduleId(request.ScheduleId);
        var scheduleNamespace = CoveredNamespace(request.Namespace, context);
        try
        {
            return new ResumeScheduleResponse { Schedule = await scheduler.ResumeAsync(scheduleNamespace, request.ScheduleId, context.CancellationToken) };
        }
        catch (ScheduleNotFoundException ex)
        {
            throw ScheduleNotFound(ex);
        }
    }

    /// <inheritdoc />
    public override async Task<DeleteScheduleResponse> DeleteSchedule(DeleteScheduleRequest request, ServerCallContext context)
    {
        RequireScheduleId(request.ScheduleId);
        var scheduleNamespace = CoveredNamespace(request.Namespace, context);
        return await scheduler.DeleteAsync(scheduleNamespace, request.ScheduleId, context.CancellationToken)
            ? new DeleteScheduleResponse()
            : throw ScheduleNotFound(new ScheduleNotFoundException(scheduleNamespace, request.ScheduleId));
    }

    /// <inheritdoc />
    public override async Task<BackfillScheduleResponse> BackfillSchedule(BackfillScheduleRequest request, ServerCallContext context)
    {
        RequireScheduleId(request.ScheduleId);
        var problems = new List<ValidationProblem>();
        if (request.StartTime is null)
        {
            problems.Add(new ValidationProblem { Field = "start_time", Description = "is required: the first time of the range." });
        }

        if (request.EndTime is null)
        {
            problems.Add(new ValidationProblem { Field = "end_time", Description = "is required: the last time of the range." });
        }

        if (problems.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The backfill is not valid", problems);
        }

        var scheduleNamespace = CoveredNamespace(request.Namespace, context);
        try
        {
            var runs = await scheduler.BackfillAsync(scheduleNamespace, request.ScheduleId, request.StartTime!.ToDateTimeOffset(), request.EndTime!.ToDateTimeOffset(), context.CancellationToken);
            var response = new BackfillScheduleResponse();
            response.Runs.Add(runs);
            return response;
        }
        catch (ScheduleNotFoundException ex)
        {
            throw ScheduleNotFound(ex);
        }
        catch (WorkflowValidationException ex)
        {
            throw RpcErrors.InvalidArgument("The backfill is not valid", ex.Result.Problems);
        }
    }

    /// <summary>The schedule fields of a listed execution, from the labels its schedule gave it.</summary>
    private static void SetSchedule(ExecutionSummary summary)
    {
        if (summary.Labels.TryGetValue(Scheduler.ScheduleLabel, out var scheduleId)
            && summary.Labels.TryGetValue(Scheduler.ScheduleTimeLabel, out var time)
            && DateTimeOffset.TryParse(time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var scheduled))
        {
            summary.ScheduleId = scheduleId;
            summary.ScheduleTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(scheduled);
        }
    }

    private static void RequireScheduleId(string scheduleId)
    {
        if (string.IsNullOrWhiteSpace(scheduleId))
        {
            throw RpcErrors.InvalidField("schedule_id", "is required.");
        }
    }

    private static RpcException ScheduleNotFound(ScheduleNotFoundException ex) => new(new Status(StatusCode.NotFound, ex.Message));
}
