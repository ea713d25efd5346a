using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.StoredWorkflows;

/// <summary>The settings of <c>gwf workflow register</c>.</summary>
public sealed class WorkflowRegisterSettings : GlobalSettings
{
    /// <summary>The definition file.</summary>
    [CommandArgument(0, "<FILE>")]
    [Description("The workflow definition to store under its id: a .json or .yaml/.yml file.")]
    public string File { get; set; } = string.Empty;
}

/// <summary>The settings of <c>gwf workflow get</c> and <c>gwf workflow delete</c>.</summary>
public sealed class WorkflowIdSettings : GlobalSettings
{
    /// <summary>The stored workflow, <c>ID</c> or <c>ID@VERSION</c>.</summary>
    [CommandArgument(0, "<ID>")]
    [Description("The stored workflow's id; for get, ID@VERSION names one version (the latest without it).")]
    public string Workflow { get; set; } = string.Empty;
}

/// <summary>The settings of <c>gwf workflow list</c>.</summary>
public sealed class WorkflowListSettings : GlobalSettings;
