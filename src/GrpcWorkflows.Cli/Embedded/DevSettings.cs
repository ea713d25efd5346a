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
    [Description("sqlite (durable, in --data-dir; executions survive a restart), postgres (--postgres, or a throwaway PostgreSQL server started for the session) or memory (nothing survives).")]
    [DefaultValue("sqlite")]
    public string Storage { get; set; } = "sqlite";

    /// <summary>Where SQLite keeps its file.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("The folder of the SQLite database with --storage sqlite.")]
    [DefaultValue(".data")]
    public string DataDirectory { get; set; } = ".data";

    /// <summary>The PostgreSQL database with <c>--storage postgres</c>.</summary>
    [CommandOption("--postgres <CONNECTION_STRING>")]
    [Description("The PostgreSQL database with --storage postgres, as an Npgsql connection string (Host=...;Port=...;Username=...;Password=...;Database=...). Without it, a throwaway server is started from the installed postgresql package and deleted at the end.")]
    public string? PostgresConnectionString { get; set; }

    /// <summary>The executors file.</summary>
    [CommandOption("--executors <FILE>")]
    [Description("The file listing executors to start beside the built-in ones (default: gwf.executors.json in the current folder or the nearest parent).")]
    public string? ExecutorsFile { get; set; }

    /// <summary>The input executor's data root.</summary>
    [CommandOption("--data-root <DIR>")]
    [Description("The folder the input executor reads files under (Input:DataRoot); default: data under the current folder. For the examples: --data-root examples.")]
    public string? DataRoot { get; set; }

    /// <summary>The output executor's root.</summary>
    [CommandOption("--output-root <DIR>")]
    [Description("The folder the output executor writes files under (Output:Root); default: output under the current folder.")]
    public string? OutputRoot { get; set; }

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

        if (PostgresConnectionString is not null && Storage != "postgres")
        {
            return ValidationResult.Error("--postgres goes with --storage postgres.");
        }

        return Storage is "memory" or "sqlite" or "postgres" ? base.Validate() : ValidationResult.Error($"--storage '{Storage}': use memory, sqlite or postgres.");
    }
}
