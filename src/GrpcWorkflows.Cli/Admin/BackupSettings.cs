using System.ComponentModel;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Admin;

/// <summary>The settings of <c>gwf admin backup</c>.</summary>
public sealed class BackupSettings : CommandSettings
{
    /// <summary>The backup file to write.</summary>
    [CommandArgument(0, "<DESTINATION>")]
    [Description("The backup file to write; it must not exist.")]
    public string Destination { get; set; } = string.Empty;

    /// <summary>The orchestrator's SQLite file.</summary>
    [CommandOption("--database <PATH>")]
    [Description("The orchestrator's SQLite file (its Storage:Sqlite:Path). Default: .data/grpcworkflows.db.")]
    public string Database { get; set; } = DefaultDatabase;

    /// <summary>The orchestrator's default <c>Storage:Sqlite:Path</c>.</summary>
    internal const string DefaultDatabase = ".data/grpcworkflows.db";
}
