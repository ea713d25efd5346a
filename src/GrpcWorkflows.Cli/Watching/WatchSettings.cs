using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Watching;

/// <summary>The settings of <c>gwf watch</c>.</summary>
public sealed class WatchSettings : ExecutionIdSettings
{
    /// <summary>The first sequence to show.</summary>
    [CommandOption("--from-sequence <N>")]
    [Description("The first event sequence to show; 1 replays the whole log. Use the last sequence you saw plus one to resume.")]
    [DefaultValue(1L)]
    public long FromSequence { get; set; } = 1;

    /// <inheritdoc />
    public override ValidationResult Validate() =>
        FromSequence < 0 ? ValidationResult.Error("--from-sequence must be 0 or more.") : base.Validate();
}
