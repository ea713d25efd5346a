using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using Spectre.Console;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Inspecting;

/// <summary>The settings of <c>gwf list</c>.</summary>
public sealed class ListSettings : GlobalSettings
{
    /// <summary>Only executions in these states.</summary>
    [CommandOption("-s|--state <STATE>")]
    [Description("Only executions in this state: pending, running, succeeded, failed or cancelled. Repeatable.")]
    public string[] States { get; set; } = [];

    /// <summary>Only executions of this workflow id.</summary>
    [CommandOption("-w|--workflow <ID>")]
    [Description("Only executions of this workflow id.")]
    public string? WorkflowId { get; set; }

    /// <summary>Only executions with these labels.</summary>
    [CommandOption("-l|--label <KEY=VALUE>")]
    [Description("Only executions labelled KEY=VALUE (gwf run/submit --label). Repeatable: all must match.")]
    public string[] Labels { get; set; } = [];

    /// <summary>Only executions created since.</summary>
    [CommandOption("--since <AGE|TIME>")]
    [Description("Only executions created within this age (90s, 15m, 2h, 7d) or since this UTC date and time (2026-11-30, 2026-11-30T08:00:00Z).")]
    public string? Since { get; set; }

    /// <summary>The largest number of executions shown.</summary>
    [CommandOption("-n|--limit <N>")]
    [Description("The largest number of executions to show, newest first.")]
    [DefaultValue(50)]
    public int Limit { get; set; } = 50;

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (Limit is < 1 or > 10_000)
        {
            return ValidationResult.Error("--limit must be between 1 and 10000.");
        }

        if (Since is not null && SinceParser.Parse(Since, DateTimeOffset.UtcNow) is null)
        {
            return ValidationResult.Error($"--since '{Since}': use an age such as 15m, 2h or 7d, or a date and time such as 2026-11-30T08:00:00Z.");
        }

        var unknown = States.FirstOrDefault(s => Names.ParseExecutionState(s) is null);
        return unknown is not null
            ? ValidationResult.Error($"--state '{unknown}' is not a state; use pending, running, succeeded, failed or cancelled.")
            : base.Validate();
    }
}
