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
}
