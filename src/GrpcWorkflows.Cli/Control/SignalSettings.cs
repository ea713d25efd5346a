using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Control;

/// <summary>The settings of <c>gwf signal</c>.</summary>
public sealed class SignalSettings : ExecutionIdSettings
{
    /// <summary>The signal's name.</summary>
    [CommandArgument(1, "<NAME>")]
    [Description("The signal's name: the wait_for_signal.name of the steps to complete.")]
    public string Name { get; set; } = string.Empty;

    /// <summary>The payload as a JSON object.</summary>
    [CommandOption("-d|--data <JSON>")]
    [Description("The payload, a JSON object; it becomes the output of the steps the signal completes. Default: {}.")]
    public string? Data { get; set; }

    /// <summary>A file holding the payload.</summary>
    [CommandOption("--data-file <PATH>")]
    [Description("Read the payload (a JSON object) from this file instead.")]
    public string? DataFile { get; set; }
}
