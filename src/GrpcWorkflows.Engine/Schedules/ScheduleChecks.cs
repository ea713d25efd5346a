using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Schedules;

/// <summary>The checks of a schedule's settings, every problem by field path (relative to the schedule).</summary>
public static class ScheduleChecks
{
    /// <summary>The longest schedule id.</summary>
    public const int MaxIdLength = 128;

    /// <summary>The largest jitter: one hour.</summary>
    public static readonly TimeSpan MaxJitter = TimeSpan.FromHours(1);

    /// <summary>The largest catch-up window: 366 days.</summary>
    public static readonly TimeSpan MaxCatchUpWindow = TimeSpan.FromDays(366);

    /// <summary>The most labels a schedule adds to its executions.</summary>
    public const int MaxLabels = 32;

    /// <summary>The longest label key or value.</summary>
    public const int MaxLabelLength = 256;

    /// <summary>Every problem of <paramref name="schedule"/>'s settings; empty when it can be created.</summary>
    public static List<ValidationProblem> Problems(Schedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var problems = new List<ValidationProblem>();
        if (IdProblem(schedule.ScheduleId) is { } idProblem)
        {
            problems.Add(Problem("schedule_id", idProblem));
        }

        if (schedule.WorkflowRef is null || string.IsNullOrWhiteSpace(schedule.WorkflowRef.Id))
        {
            problems.Add(Problem("workflow_ref.id", "is required: the id of a stored workflow (gwf workflow register)."));
        }
        else if (schedule.WorkflowRef.Version < 0)
        {
            problems.Add(Problem("workflow_ref.version", "must be 0 (the latest at each firing) or a version number from 1."));
        }

        if (!ScheduleTimes.TryParseCron(schedule.Cron, out _, out var cronProblem))
        {
            problems.Add(Problem("cron", cronProblem!));
        }

        if (!ScheduleTimes.TryFindZone(schedule.TimeZone, out _, out var zoneProblem))
        {
            problems.Add(Problem("time_zone", zoneProblem!));
        }

        CheckDuration(problems, "jitter", schedule.Jitter, MaxJitter);
        CheckDuration(problems, "catch_up_window", schedule.CatchUpWindow, MaxCatchUpWindow);
        if (schedule.StartTime is { } start && schedule.EndTime is { } end && end.ToDateTimeOffset() < start.ToDateTimeOffset())
        {
            problems.Add(Problem("end_time", $"{end.ToDateTimeOffset():O} is before start_time {start.ToDateTimeOffset():O}."));
        }

        if (!Enum.IsDefined(schedule.OverlapPolicy))
        {
            problems.Add(Problem("overlap_policy", $"{(int)schedule.OverlapPolicy} is not a ScheduleOverlapPolicy."));
        }

        if (!Enum.IsDefined(schedule.CatchUp))
        {
            problems.Add(Problem("catch_up", $"{(int)schedule.CatchUp} is not a ScheduleCatchUp."));
        }

        if (schedule.Labels.Count > MaxLabels)
        {
            problems.Add(Problem("labels", $"has {schedule.Labels.Count} entries; at most {MaxLabels} are allowed."));
        }

        foreach (var (key, value) in schedule.Labels)
        {
            if (key.Length == 0 || key.Length > MaxLabelLength || value.Length > MaxLabelLength)
            {
                problems.Add(Problem($"labels[{key[..Math.Min(key.Length, 40)]}]", $"key must be 1 to {MaxLabelLength} characters, value at most {MaxLabelLength}."));
            }
        }

        return problems;
    }

    /// <summary>What is wrong with a schedule id, or null: 1 to <see cref="MaxIdLength"/> letters, digits, <c>-</c>, <c>_</c> and <c>.</c>.</summary>
    public static string? IdProblem(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length is 0 or > MaxIdLength)
        {
            return $"is required: 1 to {MaxIdLength} characters, not {id.Length}.";
        }

        return id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? null
            : "may hold only letters, digits, '-', '_' and '.' (for example nightly-report).";
    }

    private static void CheckDuration(List<ValidationProblem> problems, string field, Google.Protobuf.WellKnownTypes.Duration? duration, TimeSpan max)
    {
        if (duration is null)
        {
            return;
        }

        if (duration.Seconds < 0 || duration.Nanos < 0 || duration.Nanos >= 1_000_000_000)
        {
            problems.Add(Problem(field, "must not be negative."));
        }
        else if (duration.ToTimeSpan() > max)
        {
            problems.Add(Problem(field, $"must be at most {max}."));
        }
    }

    private static ValidationProblem Problem(string field, string description) => new() { Field = field, Description = description };
}
