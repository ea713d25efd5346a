using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Control;

/// <summary>The settings of <c>gwf retry</c>.</summary>
public sealed class RetrySettings : ExecutionIdSettings
{
    /// <summary>Follow the retried execution until it ends.</summary>
    [CommandOption("-w|--watch")]
    [Description("Follow the retried steps until the execution ends; the exit code then says how it ended.")]
    public bool Watch { get; set; }
}
