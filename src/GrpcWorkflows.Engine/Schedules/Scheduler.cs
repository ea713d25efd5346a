using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Engine.Schedules;

/// <summary>
/// Schedules: stored workflows started at the times of a cron expression. This part is the API
/// (create, read, list, pause, resume, delete, backfill); <c>Scheduler.Firing.cs</c> is the loop that
/// fires the times.
/// </summary>
/// <remarks>
/// Each scheduled time fires exactly once: its execution is submitted with an idempotency key made of
/// the schedule id and the time (a second submission finds the first execution), and only then is the
/// time recorded as handled in the store (compare-and-set on the schedule's revision). A crash between
/// the two submits the time again at the next start, which finds the execution already there.
/// Thread-safe.
/// </remarks>
public sealed partial class Scheduler : IAsyncDisposable
{
    /// <summary>The label every execution of a schedule carries: the schedule's id.</summary>
    public const string ScheduleLabel = "schedule";

    /// <summary>The label every execution of a schedule carries: its scheduled time (ISO 8601, UTC).</summary>
    public const string ScheduleTimeLabel = "schedule_time";

    /// <summary>The most scheduled times one <see cref="BackfillAsync"/> may start.</summary>
    public const int MaxBackfillTimes = 1000;

    private readonly IScheduleStore _store;
    private readonly WorkflowEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _owner;

    /// <summary>Creates the scheduler of an engine. Call <see cref="StartAsync"/> once the engine has started.</summary>
    /// <param name="store">Where schedules live (the execution store, when it keeps them).</param>
    /// <param name="engine">Starts and cancels the executions.</param>
    /// <param name="time">The clock of the cron times.</param>
    /// <param name="loggerFactory">Logging.</param>
    public Scheduler(IScheduleStore store, WorkflowEngine engine, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _store = store;
        _engine = engine;
        _time = time;
        _logger = loggerFactory.CreateLogger<Scheduler>();
        _owner = engine.ReplicaId ?? "local";
    }

    /// <summary>Checks and stores a new schedule in <paramref name="scheduleNamespace"/>; returns it with its first next fire time.</summary>
    /// <exception cref="WorkflowValidationException">A setting is not valid, or the stored workflow does not exist (every problem by field path).</exception>
    /// <exception cref="ScheduleExistsException">The namespace has a schedule with this id.</exception>
    public async Task<Schedule> CreateAsync(string scheduleNamespace, Schedule schedule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scheduleNamespace);
        ArgumentNullException.ThrowIfNull(schedule);
        var created = schedule.Clone();
        created.Namespace = scheduleNamespace;
        created.Input ??= new Struct();
        var problems = ScheduleChecks.Problems(created);
        if (problems.Count == 0 && await _engine.ResolveWorkflowAsync(scheduleNamespace, created.WorkflowRef, cancellationToken).ConfigureAwait(false) is null)
        {
            problems.Add(new ValidationProblem
            {
                Field = "workflow_ref.id",
                Description = created.WorkflowRef.Version == 0
                    ? $"no stored workflow '{created.WorkflowRef.Id}' in the namespace '{scheduleNamespace}' (gwf workflow register it first)"
                    : $"no version {created.WorkflowRef.Version} of a stored workflow '{created.WorkflowRef.Id}' in the namespace '{scheduleNamespace}'",
            });
        }

        if (problems.Count > 0)
        {
            throw new WorkflowValidationException(new WorkflowValidationResult(problems, [], null));
        }

        var now = _time.GetUtcNow();
        created.CreateTime = Timestamp.FromDateTimeOffset(now);
        created.PauseNote = created.Paused ? created.PauseNote : string.Empty;
        created.State = new ScheduleState();
        SetNextFireTime(created, ScheduleTimes.Of(created));
        if (!await _store.CreateScheduleAsync(created, cancellationToken).ConfigureAwait(false))
        {
            throw new ScheduleExistsException(scheduleNamespace, created.ScheduleId);
        }

        Log.ScheduleCreated(_logger, scheduleNamespace, created.ScheduleId, created.Cron, created.State.NextFireTime);
        Wake();
        return created;
    }

    /// <summary>A schedule with its state, or null when unknown.</summary>
    public async Task<Schedule?> GetAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
        => (await _store.GetScheduleAsync(scheduleNamespace, scheduleId, cancellationToken).ConfigureAwait(false))?.Schedule;

    /// <summary>The schedules of a namespace, by id, in pages.</summary>
    /// <exception cref="ArgumentException">The page token is not one of this listing.</exception>
    public async Task<SchedulePage> ListAsync(string scheduleNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
        => await _store.ListSchedulesAsync(scheduleNamespace, pageSize, pageToken, cancellationToken).ConfigureAwait(false);

    /// <summary>Pauses a schedule: no time fires until it is resumed.</summary>
    /// <exception cref="ScheduleNotFoundException">The schedule does not exist.</exception>
    public Task<Schedule> PauseAsync(string scheduleNamespace, string scheduleId, string? note, CancellationToken cancellationToken = default)
        => ChangeAsync(scheduleNamespace, scheduleId, (schedule, _) =>
        {
            schedule.Paused = true;
            schedule.PauseNote = note ?? string.Empty;
            schedule.State.NextFireTime = null;
        }, cancellationToken);

    /// <summary>Resumes a schedule from the next time after now: the times that passed while it was paused are not started.</summary>
    /// <exception cref="ScheduleNotFoundException">The schedule does not exist.</exception>
    public Task<Schedule> ResumeAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
        => ChangeAsync(scheduleNamespace, scheduleId, (schedule, now) =>
        {
            if (schedule.Paused)
            {
                schedule.Paused = false;
                schedule.PauseNote = string.Empty;
                schedule.State.ResumeTime = Timestamp.FromDateTimeOffset(now);
            }

            SetNextFireTime(schedule, ScheduleTimes.Of(schedule));
        }, cancellationToken);

    /// <summary>Deletes a schedule; the executions it started stay. False when it does not exist.</summary>
    public async Task<bool> DeleteAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
    {
        var deleted = await _store.DeleteScheduleAsync(scheduleNamespace, scheduleId, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            Log.ScheduleDeleted(_logger, scheduleNamespace, scheduleId);
        }

        return deleted;
    }

    /// <summary>
    /// Starts one execution per scheduled time from <paramref name="from"/> to <paramref name="to"/> (both
    /// inclusive), whatever the overlap policy; a time that started its execution before (a repeated
    /// backfill, a time the schedule fired itself) is not started again.
    /// </summary>
    /// <exception cref="ScheduleNotFoundException">The schedule does not exist.</exception>
    /// <exception cref="WorkflowValidationException">The range is not valid or holds too many times, or the stored workflow refuses the input.</exception>
    public async Task<IReadOnlyList<ScheduledRun>> BackfillAsync(string scheduleNamespace, string scheduleId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var stored = await _store.GetScheduleAsync(scheduleNamespace, scheduleId, cancellationToken).ConfigureAwait(false)
            ?? throw new ScheduleNotFoundException(scheduleNamespace, scheduleId);
        if (to < from)
        {
            throw Invalid("end_time", $"{to:O} is before start_time {from:O}.");
        }

        var times = ScheduleTimes.Of(stored.Schedule);
        var due = times.Between(from, to).Take(MaxBackfillTimes + 1).ToList();
        if (due.Count > MaxBackfillTimes)
        {
            throw Invalid("end_time", $"the range holds more than {MaxBackfillTimes} scheduled times; backfill it in smaller ranges.");
        }

        var runs = new List<ScheduledRun>(due.Count);
        foreach (var time in due)
        {
            var created = await SubmitAsync(stored.Schedule, time, cancellationToken).ConfigureAwait(false);
            runs.Add(new ScheduledRun { ScheduleTime = Timestamp.FromDateTimeOffset(time), ExecutionId = created.ExecutionId, Existing = created.Existing });
        }

        var started = runs.Where(r => !r.Existing).ToList();
        if (started.Count > 0)
        {
            await ChangeAsync(scheduleNamespace, scheduleId, (schedule, _) =>
            {
                schedule.State.FiredCount += started.Count;
                schedule.State.RunningExecutionIds.Add(started.Select(r => r.ExecutionId).Except(schedule.State.RunningExecutionIds));
                schedule.State.LastExecutionId = started[^1].ExecutionId;
            }, cancellationToken).ConfigureAwait(false);
        }

        Log.ScheduleBackfilled(_logger, scheduleNamespace, scheduleId, runs.Count, started.Count);
        return runs;
    }

    /// <summary>Changes a stored schedule (compare-and-set, again on a conflict) and wakes the loop; returns it as stored.</summary>
    private async Task<Schedule> ChangeAsync(string scheduleNamespace, string scheduleId, Action<Schedule, DateTimeOffset> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            var stored = await _store.GetScheduleAsync(scheduleNamespace, scheduleId, cancellationToken).ConfigureAwait(false)
                ?? throw new ScheduleNotFoundException(scheduleNamespace, scheduleId);
            var schedule = stored.Schedule;
            schedule.State ??= new ScheduleState();
            change(schedule, _time.GetUtcNow());
            if (await _store.UpdateScheduleAsync(schedule, stored.Revision, cancellationToken).ConfigureAwait(false))
            {
                Wake();
                return schedule;
            }
        }
    }

    /// <summary>Submits the execution of one scheduled time: the same idempotency key for the same schedule and time.</summary>
    private async Task<Storage.CreateExecutionResult> SubmitAsync(Schedule schedule, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var version = await _engine.ResolveWorkflowAsync(schedule.Namespace, schedule.WorkflowRef, cancellationToken).ConfigureAwait(false)
            ?? throw Invalid("workflow_ref.id", schedule.WorkflowRef.Version == 0
                ? $"no stored workflow '{schedule.WorkflowRef.Id}' in the namespace '{schedule.Namespace}' (never registered, or deleted)"
                : $"no version {schedule.WorkflowRef.Version} of a stored workflow '{schedule.WorkflowRef.Id}' in the namespace '{schedule.Namespace}'");
        var labels = new Dictionary<string, string>(schedule.Labels, StringComparer.Ordinal)
        {
            [ScheduleLabel] = schedule.ScheduleId,
            [ScheduleTimeLabel] = TimeText(time),
        };
        return await _engine.SubmitAsync(new Commands.SubmitExecution(
            version.Definition,
            schedule.Input ?? new Struct(),
            IdempotencyKey: $"schedule:{schedule.ScheduleId}:{TimeText(time)}",
            Labels: labels,
            Namespace: schedule.Namespace,
            WorkflowVersion: version.Version,
            Schedule: new Commands.ExecutionSchedule(schedule.ScheduleId, time)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Where the schedule stands: the latest of its last handled time, its creation and its last resume.</summary>
    private static DateTimeOffset Cursor(Schedule schedule)
    {
        var cursor = schedule.CreateTime?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
        if (schedule.State?.LastFireTime?.ToDateTimeOffset() is { } last && last > cursor)
        {
            cursor = last;
        }

        if (schedule.State?.ResumeTime?.ToDateTimeOffset() is { } resumed && resumed > cursor)
        {
            cursor = resumed;
        }

        return cursor;
    }

    private static void SetNextFireTime(Schedule schedule, ScheduleTimes times)
        => schedule.State.NextFireTime = !schedule.Paused && times.NextAfter(Cursor(schedule)) is { } next ? Timestamp.FromDateTimeOffset(next) : null;

    private static string TimeText(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static WorkflowValidationException Invalid(string field, string description)
        => new(new WorkflowValidationResult([new ValidationProblem { Field = field, Description = description }], [], null));
}
