using System.ComponentModel;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Commands;

/// <summary>The settings of commands about one execution.</summary>
public class ExecutionIdSettings : GlobalSettings
{
    /// <summary>The execution id.</summary>
    [CommandArgument(0, "<ID>")]
    [Description("The execution id (printed by run, submit and list), or the start of it when only one id starts so.")]
    public string ExecutionId { get; set; } = string.Empty;
}
