using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Inspecting;

/// <summary>The settings of <c>gwf status</c>.</summary>
public sealed class StatusSettings : ExecutionIdSettings
{
    /// <summary>The longest output shown per step unless <see cref="Full"/>.</summary>
    public const int OutputPreviewLength = 160;

    /// <summary>Show every step output whole.</summary>
    [CommandOption("--full")]
    [Description("Show every step's output whole and indented (by default each is one line cut at 160 characters).")]
    public bool Full { get; set; }
}
