using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Running;

/// <summary>The settings of commands that submit a definition file: <c>run</c> and <c>submit</c>.</summary>
public class WorkflowFileSettings : GlobalSettings
{
    /// <summary>The definition file.</summary>
    [CommandArgument(0, "[FILE]")]
    [Description("The workflow definition: a .json or .yaml/.yml file. Leave it out with --ref.")]
    public string File { get; set; } = string.Empty;

    /// <summary>A stored workflow to run instead of a file, <c>ID[@VERSION]</c>.</summary>
    [CommandOption("--ref <ID[@VERSION]>")]
    [Description("Run a stored workflow (gwf workflow register) instead of a file: its latest version, or ID@VERSION. Needs a running orchestrator.")]
    public string? Ref { get; set; }

    /// <summary>The stored workflow <see cref="Ref"/> names, or null when a file is run.</summary>
    /// <exception cref="UsageException">Both or neither of FILE and --ref are given, or --ref is malformed.</exception>
    public GrpcWorkflows.V1.WorkflowReference? Reference()
    {
        if (Ref is null)
        {
            return File.Length == 0 ? throw new UsageException("give the workflow definition FILE, or --ref ID[@VERSION] for a stored workflow.") : null;
        }

        return File.Length > 0
            ? throw new UsageException("give either a definition FILE or --ref ID[@VERSION], not both.")
            : StoredWorkflows.WorkflowReferenceText.Parse(Ref, "--ref");
    }

    /// <summary>Workflow input values, <c>key=value</c>.</summary>
    [CommandOption("-i|--input <KEY=VALUE>")]
    [Description("A workflow input value, readable by steps as {{ workflow.input.KEY }}. Repeatable. The value is read as JSON when it parses (42, true, [[1,2]], {\"a\":1}), as text otherwise; dotted keys nest (a.b=1).")]
    public string[] Inputs { get; set; } = [];

    /// <summary>A JSON file holding the workflow input object.</summary>
    [CommandOption("--input-file <FILE>")]
    [Description("A JSON file with the workflow input object; --input values are applied over it.")]
    public string? InputFile { get; set; }

    /// <summary>The idempotency key of the submission.</summary>
    [CommandOption("--idempotency-key <KEY>")]
    [Description("Submitting again with the same key returns the execution created first instead of starting another.")]
    public string? IdempotencyKey { get; set; }

    /// <summary>Labels attached to the execution.</summary>
    [CommandOption("-l|--label <KEY=VALUE>")]
    [Description("A label attached to the execution. Repeatable.")]
    public string[] Labels { get; set; } = [];
}
