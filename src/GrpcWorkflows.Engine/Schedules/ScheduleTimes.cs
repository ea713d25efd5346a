using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cronos;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Schedules;

/// <summary>
/// The times of a schedule: its cron expression read in its time zone, bounded by its start and end,
/// and the jitter of each time. Daylight-saving changes follow Cronos: a time the change skips fires at
/// the change, a time it repeats fires once.
/// </summary>
public sealed class ScheduleTimes
{
    /// <summary>The catch-up window of a schedule that sets none: 5 minutes.</summary>
    public static readonly TimeSpan DefaultCatchUpWindow = TimeSpan.FromMinutes(5);

    private readonly CronExpression _cron;
    private readonly TimeZoneInfo _zone;
    private readonly DateTimeOffset? _start;
    private readonly DateTimeOffset? _end;
    private readonly TimeSpan _jitter;
    private readonly string _key;

    private ScheduleTimes(CronExpression cron, TimeZoneInfo zone, Schedule schedule)
    {
        _cron = cron;
        _zone = zone;
        _start = schedule.StartTime?.ToDateTimeOffset();
        _end = schedule.EndTime?.ToDateTimeOffset();
        _jitter = schedule.Jitter?.ToTimeSpan() ?? TimeSpan.Zero;
        _key = $"{schedule.Namespace}/{schedule.ScheduleId}/";
        CatchUpWindow = schedule.CatchUpWindow is { } window && window.ToTimeSpan() > TimeSpan.Zero ? window.ToTimeSpan() : DefaultCatchUpWindow;
    }

    /// <summary>How late a time may still start after downtime.</summary>
    public TimeSpan CatchUpWindow { get; }

    /// <summary>The times of a schedule whose settings <see cref="ScheduleChecks"/> accepted.</summary>
    /// <exception cref="ArgumentException">The cron expression or the time zone is not valid.</exception>
    public static ScheduleTimes Of(Schedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return TryParseCron(schedule.Cron, out var cron, out var cronProblem) is false
            ? throw new ArgumentException($"The cron expression {cronProblem}", nameof(schedule))
            : TryFindZone(schedule.TimeZone, out var zone, out var zoneProblem) is false
                ? throw new ArgumentException($"The time zone {zoneProblem}", nameof(schedule))
                : new ScheduleTimes(cron!, zone!, schedule);
    }

    /// <summary>The first time strictly after <paramref name="after"/> (and not before the start), or null when none is left before the end.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        var next = _start is { } start && after < start
            ? _cron.GetNextOccurrence(start, _zone, inclusive: true)
            : _cron.GetNextOccurrence(after, _zone, inclusive: false);
        return next is { } time && (_end is not { } end || time <= end) ? time : null;
    }

    /// <summary>Every time from <paramref name="from"/> to <paramref name="to"/> (both inclusive) inside the start and end, oldest first.</summary>
    public IEnumerable<DateTimeOffset> Between(DateTimeOffset from, DateTimeOffset to)
    {
        var next = NextAfter(from - TimeSpan.FromTicks(1));
        while (next is { } time && time <= to)
        {
            yield return time;
            next = NextAfter(time);
        }
    }

    /// <summary>How much later than <paramref name="time"/> it fires: the same amount for the same schedule and time (a restart agrees), under the jitter.</summary>
    public TimeSpan JitterOf(DateTimeOffset time)
    {
        if (_jitter <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(_key + time.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)), hash);
        var fraction = BinaryPrimitives.ReadUInt64LittleEndian(hash) / (ulong.MaxValue + 1.0);
        return TimeSpan.FromTicks((long)(fraction * _jitter.Ticks));
    }

    /// <summary>Parses a cron expression of 5 fields, or 6 with seconds first, or a macro (<c>@daily</c>).</summary>
    public static bool TryParseCron(string text, out CronExpression? cron, out string? problem)
    {
        cron = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "is required: 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a macro such as @daily.";
            return false;
        }

        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (!text.TrimStart().StartsWith('@') && fields is not (5 or 6))
        {
            problem = $"'{Truncate(text)}' has {fields} fields; use 5 (minute hour day-of-month month day-of-week) or 6 with seconds first.";
            return false;
        }

        try
        {
            cron = CronExpression.Parse(text.Trim(), fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            return true;
        }
        catch (CronFormatException e)
        {
            problem = $"'{Truncate(text)}' is not valid: {e.Message}";
            return false;
        }
    }

    /// <summary>Finds an IANA time zone (<c>Europe/Paris</c>); empty means UTC.</summary>
    public static bool TryFindZone(string name, out TimeZoneInfo? zone, out string? problem)
    {
        zone = null;
        problem = null;
        if (string.IsNullOrEmpty(name))
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(name);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            problem = $"'{Truncate(name)}' is not a known IANA time zone (for example Europe/Paris, America/New_York, UTC).";
            return false;
        }
    }

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
