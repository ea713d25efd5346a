using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Control;

/// <summary>The settings of <c>gwf cancel</c>.</summary>
public sealed class CancelSettings : ExecutionIdSettings
{
    /// <summary>Why, recorded in the event log.</summary>
    [CommandOption("-r|--reason <TEXT>")]
    [Description("Why, recorded in the execution's event log.")]
    public string? Reason { get; set; }
}
