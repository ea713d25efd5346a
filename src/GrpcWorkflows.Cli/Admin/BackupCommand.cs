using System.Globalization;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Storage.Sqlite;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Admin;

/// <summary>
/// <c>gwf admin backup</c>: a consistent copy of an orchestrator's SQLite file, taken while it runs
/// (<see cref="SqliteStoreBackup"/>: <c>VACUUM INTO</c>, one read transaction, then checked).
/// </summary>
public sealed class BackupCommand : AsyncCommand<BackupSettings>
{
    /// <inheritdoc />
    public override async Task<int> ExecuteAsync(CommandContext context, BackupSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            var result = await SqliteStoreBackup.BackupAsync(settings.Database, settings.Destination, cancellationToken);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Backed up {result.Executions} executions ({result.Events} events, {result.Bytes} bytes) to {result.Path}; integrity check ok."));
            Console.WriteLine("Restore: stop the orchestrator, copy this file to its Storage:Sqlite:Path, delete that path's -wal and -shm files, start it.");
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"gwf: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            Console.Error.WriteLine($"gwf: the backup failed: {e.Message}");
            return ExitCodes.OtherError;
        }
    }
}
