using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Validation;

/// <summary>The settings of <c>gwf validate</c>.</summary>
public sealed class ValidateSettings : GlobalSettings
{
    /// <summary>The definition file.</summary>
    [CommandArgument(0, "<FILE>")]
    [Description("The workflow definition: a .json or .yaml/.yml file.")]
    public string File { get; set; } = string.Empty;

    /// <summary>Validate in process, without asking an orchestrator.</summary>
    [CommandOption("--offline")]
    [Description("Check with the engine's rules in process, without an orchestrator (step types are then not checked against registered executors). The default when no address is configured and none answers.")]
    public bool Offline { get; set; }
}
