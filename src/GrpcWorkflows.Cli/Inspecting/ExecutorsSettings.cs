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

    /// <summary>Ask each executor for the input schemas it declares.</summary>
    [CommandOption("--schemas")]
    [Description("Ask each executor (DescribeExecutor at its endpoint) for its step types' descriptions and declared input JSON Schemas, and print them.")]
    public bool Schemas { get; set; }
}
