using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Inspecting;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Schedules;

/// <summary>How schedules read and print on the command line: times, durations, policies, and a schedule's summary.</summary>
internal static class ScheduleText
{
    private static readonly DateTimeOffset Anchor = new(3000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A date and time (<c>2026-12-01T08:00:00Z</c>; UTC when it names no offset).</summary>
    /// <exception cref="UsageException">The text is not a date and time.</exception>
    public static Timestamp Time(string text, string option)
        => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? Timestamp.FromDateTimeOffset(time)
            : throw new UsageException($"{option} '{text}': expected a date and time such as 2026-12-01T08:00:00Z.");

    /// <summary>A duration such as <c>90s</c>, <c>15m</c>, <c>2h</c> or <c>7d</c>.</summary>
    /// <exception cref="UsageException">The text is not a duration.</exception>
    public static Duration Span(string text, string option)
    {
        var trimmed = text.Trim();
        return trimmed.Length > 1 && char.IsAsciiDigit(trimmed[0]) && "smhd".Contains(trimmed[^1], StringComparison.Ordinal) && SinceParser.Parse(trimmed, Anchor) is { } before
            ? Duration.FromTimeSpan(Anchor - before)
            : throw new UsageException($"{option} '{text}': expected a duration such as 30s, 5m, 2h or 7d.");
    }

    /// <summary>The overlap policy named on the command line.</summary>
    public static ScheduleOverlapPolicy Overlap(string text) => text.Trim().ToLowerInvariant() switch
    {
        "skip" => ScheduleOverlapPolicy.Skip,
        "buffer-one" or "buffer_one" => ScheduleOverlapPolicy.BufferOne,
        "allow-all" or "allow_all" => ScheduleOverlapPolicy.AllowAll,
        "cancel-running" or "cancel_running" => ScheduleOverlapPolicy.CancelRunning,
        _ => throw new UsageException($"--overlap '{text}': use skip, buffer-one, allow-all or cancel-running."),
    };

    /// <summary>The catch-up setting named on the command line.</summary>
    public static ScheduleCatchUp CatchUp(string text) => text.Trim().ToLowerInvariant() switch
    {
        "all" => ScheduleCatchUp.All,
        "last" => ScheduleCatchUp.Last,
        _ => throw new UsageException($"--catch-up '{text}': use all or last."),
    };

    /// <summary>A schedule as one JSON document (<c>--output json</c>) or in a few lines; the command's exit code.</summary>
    public static int Show(Schedule schedule, OutputFormat output)
    {
        if (output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(schedule);
        }
        else
        {
            Print(schedule);
        }

        return ExitCodes.Success;
    }

    /// <summary>A schedule in a few lines: what it runs and when, and where it stands.</summary>
    public static void Print(Schedule schedule)
    {
        var state = schedule.State ?? new ScheduleState();
        var workflow = schedule.WorkflowRef.Version > 0 ? $"{schedule.WorkflowRef.Id}@{schedule.WorkflowRef.Version}" : schedule.WorkflowRef.Id;
        var zone = schedule.TimeZone.Length > 0 ? schedule.TimeZone : "UTC";
        Console.Out.WriteLine($"Schedule {schedule.ScheduleId} (namespace '{schedule.Namespace}'): {workflow} at \"{schedule.Cron}\" {zone}{(schedule.Paused ? ", PAUSED" : string.Empty)}");
        if (schedule.PauseNote.Length > 0)
        {
            Console.Out.WriteLine($"  paused: {schedule.PauseNote}");
        }

        Console.Out.WriteLine($"  overlap {Name(schedule.OverlapPolicy)}, catch-up {(schedule.CatchUp == ScheduleCatchUp.Last ? "last" : "all")}{(schedule.Jitter is { } jitter ? $", jitter {Names.Of(jitter.ToTimeSpan())}" : string.Empty)}");
        Console.Out.WriteLine($"  next {At(state.NextFireTime)}, last {At(state.LastFireTime)}{(state.BufferedTime is { } buffered ? $", buffered {At(buffered)}" : string.Empty)}");
        Console.Out.WriteLine($"  fired {state.FiredCount}, skipped {state.SkippedCount}, missed {state.MissedCount}; running: {(state.RunningExecutionIds.Count == 0 ? "none" : string.Join(", ", state.RunningExecutionIds))}");
        if (state.LastError.Length > 0)
        {
            Console.Out.WriteLine($"  last error: {state.LastError}");
        }
    }

    /// <summary>The command-line name of an overlap policy.</summary>
    public static string Name(ScheduleOverlapPolicy policy) => policy switch
    {
        ScheduleOverlapPolicy.BufferOne => "buffer-one",
        ScheduleOverlapPolicy.AllowAll => "allow-all",
        ScheduleOverlapPolicy.CancelRunning => "cancel-running",
        _ => "skip",
    };

    /// <summary>A time for a line of text, or <c>-</c>.</summary>
    public static string At(Timestamp? time) => time?.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture) ?? "-";
}
