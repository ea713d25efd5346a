using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Embedded;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Admin;

/// <summary>
/// <c>gwf admin backup</c>: a consistent copy of an orchestrator's SQLite file, taken while it runs
/// (the orchestrator executable's <c>backup</c> command: <c>VACUUM INTO</c>, one read transaction, then checked).
/// </summary>
public sealed class BackupCommand : AsyncCommand<BackupSettings>
{
    /// <inheritdoc />
    public override async Task<int> ExecuteAsync(CommandContext context, BackupSettings settings, CancellationToken cancellationToken)
    {
        OrchestratorToolResult result;
        try
        {
            result = await OrchestratorTool.RunAsync(["backup", settings.Destination, "--database", settings.Database], input: null, cancellationToken);
        }
        catch (LocalClusterException e)
        {
            Console.Error.WriteLine($"gwf: {e.Message}");
            return ExitCodes.OtherError;
        }

        switch (result.ExitCode)
        {
            case 0:
                Console.Write(result.Output);
                Console.WriteLine("Restore: stop the orchestrator, copy this file to its Storage:Sqlite:Path, delete that path's -wal and -shm files, start it.");
                return ExitCodes.Success;
            case 2:
                Console.Error.WriteLine($"gwf: {result.Error.Trim()}");
                return ExitCodes.BadInput;
            default:
                Console.Error.WriteLine($"gwf: {result.Error.Trim()}");
                return ExitCodes.OtherError;
        }
    }
}
