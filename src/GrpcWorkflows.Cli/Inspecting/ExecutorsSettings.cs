using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Inspecting;

/// <summary>The settings of <c>gwf executors</c>.</summary>
public sealed class ExecutorsSettings : GlobalSettings
{
    /// <summary>Only executors serving this step type.</summary>
    [CommandOption("-t|--type <STEP_TYPE>")]
    [Description("Only executors serving this step type.")]
    public string? StepType { get; set; }
}
