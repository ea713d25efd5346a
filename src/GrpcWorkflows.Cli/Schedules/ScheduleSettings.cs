using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Schedules;

/// <summary>The settings of the <c>gwf schedule</c> commands that name one schedule.</summary>
public class ScheduleIdSettings : GlobalSettings
{
    /// <summary>The schedule's id.</summary>
    [CommandArgument(0, "<ID>")]
    [Description("The schedule's id.")]
    public string ScheduleId { get; set; } = string.Empty;
}

/// <summary>The settings of <c>gwf schedule create</c>.</summary>
public sealed class ScheduleCreateSettings : ScheduleIdSettings
{
    /// <summary>The stored workflow.</summary>
    [CommandOption("--ref <ID[@VERSION]>")]
    [Description("The stored workflow to run (gwf workflow register): its latest version at each firing, or ID@VERSION.")]
    public string Ref { get; set; } = string.Empty;

    /// <summary>The cron expression.</summary>
    [CommandOption("--cron <EXPRESSION>")]
    [Description("When to run: 5 fields (minute hour day-of-month month day-of-week, \"0 9 * * MON-FRI\"), 6 with seconds first (\"*/10 * * * * *\"), or @hourly, @daily, @weekly, @monthly, @yearly.")]
    public string Cron { get; set; } = string.Empty;

    /// <summary>The IANA time zone.</summary>
    [CommandOption("--time-zone <ZONE>")]
    [Description("The IANA time zone the cron expression is read in (Europe/Paris); UTC by default.")]
    public string? TimeZone { get; set; }

    /// <summary>The jitter.</summary>
    [CommandOption("--jitter <DURATION>")]
    [Description("Fire each time up to this much later (30s, 5m); at most 1h.")]
    public string? Jitter { get; set; }

    /// <summary>The first time.</summary>
    [CommandOption("--start <TIME>")]
    [Description("No time before this one fires (2026-12-24T00:00:00Z).")]
    public string? Start { get; set; }

    /// <summary>The last time.</summary>
    [CommandOption("--end <TIME>")]
    [Description("No time after this one fires.")]
    public string? End { get; set; }

    /// <summary>The overlap policy.</summary>
    [CommandOption("--overlap <POLICY>")]
    [Description("When a time comes while a run of the schedule still runs: skip (default), buffer-one, allow-all or cancel-running.")]
    public string Overlap { get; set; } = "skip";

    /// <summary>The catch-up window.</summary>
    [CommandOption("--catch-up-window <DURATION>")]
    [Description("How late a time missed while no orchestrator ran may still start (default 5m; up to 366d).")]
    public string? CatchUpWindow { get; set; }

    /// <summary>Which missed times start.</summary>
    [CommandOption("--catch-up <MODE>")]
    [Description("Which missed times inside the window start after downtime: all (default) or last.")]
    public string CatchUp { get; set; } = "all";

    /// <summary>Input values.</summary>
    [CommandOption("-i|--input <KEY=VALUE>")]
    [Description("A workflow input value of every run, as for gwf run. Repeatable.")]
    public string[] Inputs { get; set; } = [];

    /// <summary>An input file.</summary>
    [CommandOption("--input-file <FILE>")]
    [Description("A JSON file with the workflow input object; --input values are applied over it.")]
    public string? InputFile { get; set; }

    /// <summary>Labels.</summary>
    [CommandOption("-l|--label <KEY=VALUE>")]
    [Description("A label of every run (beside schedule and schedule_time). Repeatable.")]
    public string[] Labels { get; set; } = [];

    /// <summary>Create it paused.</summary>
    [CommandOption("--paused")]
    [Description("Create the schedule paused (gwf schedule resume starts it).")]
    public bool Paused { get; set; }
}

/// <summary>The settings of <c>gwf schedule pause</c>.</summary>
public sealed class SchedulePauseSettings : ScheduleIdSettings
{
    /// <summary>Why.</summary>
    [CommandOption("--note <TEXT>")]
    [Description("Why it is paused, shown by gwf schedule get.")]
    public string? Note { get; set; }
}

/// <summary>The settings of <c>gwf schedule backfill</c>.</summary>
public sealed class ScheduleBackfillSettings : ScheduleIdSettings
{
    /// <summary>The first time of the range.</summary>
    [CommandOption("--from <TIME>")]
    [Description("The first time of the range (inclusive), e.g. 2026-11-01T00:00:00Z.")]
    public string From { get; set; } = string.Empty;

    /// <summary>The last time of the range.</summary>
    [CommandOption("--to <TIME>")]
    [Description("The last time of the range (inclusive); at most 1000 scheduled times in the range.")]
    public string To { get; set; } = string.Empty;
}

/// <summary>The settings of <c>gwf schedule list</c>.</summary>
public sealed class ScheduleListSettings : GlobalSettings;
