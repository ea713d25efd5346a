using System.ComponentModel;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Embedded;

/// <summary>The settings of <c>gwf dev</c>.</summary>
public sealed class DevSettings : GlobalSettings
{
    /// <summary>The orchestrator's port.</summary>
    [CommandOption("-p|--port <PORT>")]
    [Description("The orchestrator's port on 127.0.0.1 (0 for any free port). The default is the one other gwf commands try first.")]
    [DefaultValue(5100)]
    public int Port { get; set; } = 5100;

    /// <summary>The orchestrator's storage.</summary>
    [CommandOption("--storage <PROVIDER>")]
    [Description("sqlite (durable, in --data-dir; executions survive a restart) or memory (nothing survives).")]
    [DefaultValue("sqlite")]
    public string Storage { get; set; } = "sqlite";

    /// <summary>Where SQLite keeps its file.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("The folder of the SQLite database with --storage sqlite.")]
    [DefaultValue(".data")]
    public string DataDirectory { get; set; } = ".data";

    /// <summary>Echo every process's log lines.</summary>
    [CommandOption("--logs")]
    [Description("Echo the log lines of the orchestrator and the executors, prefixed with their names.")]
    public bool Logs { get; set; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (Port is < 0 or > 65535)
        {
            return ValidationResult.Error("--port must be between 0 and 65535.");
        }

        return Storage is "memory" or "sqlite" ? base.Validate() : ValidationResult.Error($"--storage '{Storage}': use memory or sqlite.");
    }
}
