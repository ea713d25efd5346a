using System.ComponentModel;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Running;

/// <summary>The settings of <c>gwf run</c>.</summary>
public sealed class RunSettings : WorkflowFileSettings
{
    /// <summary>Submit and return at once.</summary>
    [CommandOption("-d|--detach")]
    [Description("Submit, print the execution id and return without following the execution (needs a running orchestrator).")]
    public bool Detach { get; set; }

    /// <summary>Cancel the execution on Ctrl-C instead of asking.</summary>
    [CommandOption("--cancel-on-interrupt")]
    [Description("On Ctrl-C, cancel the execution without asking. Without it, Ctrl-C asks on a terminal and otherwise leaves the execution running (gwf watch ID follows it again, gwf cancel ID cancels it).")]
    public bool CancelOnInterrupt { get; set; }

    /// <summary>The executors file of the embedded run.</summary>
    [CommandOption("--executors <FILE>")]
    [Description("With the embedded orchestrator: the file listing executors to start beside the built-in ones (default: gwf.executors.json in the current folder or the nearest parent).")]
    public string? ExecutorsFile { get; set; }
}
