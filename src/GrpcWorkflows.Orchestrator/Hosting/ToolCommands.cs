using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.Storage.Postgres.Local;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>
/// The orchestrator executable's one-shot commands, for tools that start it rather than link it
/// (<c>gwf validate --offline</c>, <c>gwf admin backup</c>):
/// <list type="bullet">
/// <item><c>validate</c>: reads a <see cref="WorkflowDefinition"/> as protobuf JSON on stdin, writes the
/// <see cref="ValidateWorkflowResponse"/> as protobuf JSON on stdout (the engine's rules; executors not checked).</item>
/// <item><c>backup DESTINATION [--database PATH]</c>: a consistent copy of a SQLite store
/// (<see cref="SqliteStoreBackup"/>); one line on stdout, or the reason on stderr.</item>
/// <item><c>postgres-local</c>: starts a throwaway PostgreSQL server from the machine's binaries
/// (<see cref="ThrowawayPostgresServer"/>, durable settings), prints <c>Now listening on: postgresql://127.0.0.1:PORT</c>,
/// and stops and deletes it on SIGTERM or SIGINT (<c>gwf dev --storage postgres</c>).</item>
/// </list>
/// Exit codes: 0 done, 2 bad input (no such file, destination exists, unreadable JSON), 1 the command failed.
/// </summary>
internal static class ToolCommands
{
    /// <summary>Exit code of a command given input it cannot use.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code of a command that failed.</summary>
    public const int Failed = 1;

    /// <summary>Runs <paramref name="args"/> when they name a command; null when they do not (start the server).</summary>
    public static async Task<int?> TryRunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args switch
        {
            ["validate"] => await ValidateAsync(input, output, error).ConfigureAwait(false),
            ["backup", var destination] => await BackupAsync(SqliteStoreOptions.DefaultPath, destination, output, error).ConfigureAwait(false),
            ["backup", var destination, "--database", var database] => await BackupAsync(database, destination, output, error).ConfigureAwait(false),
            ["postgres-local"] => await RunLocalPostgresAsync(output, error).ConfigureAwait(false),
            ["validate" or "backup" or "postgres-local", ..] => await UsageAsync(error).ConfigureAwait(false),
            _ => null,
        };
    }

    private static async Task<int> ValidateAsync(TextReader input, TextWriter output, TextWriter error)
    {
        WorkflowDefinition definition;
        try
        {
            definition = WorkflowDefinition.Parser.ParseJson(await input.ReadToEndAsync().ConfigureAwait(false));
        }
        catch (InvalidProtocolBufferException e)
        {
            await error.WriteLineAsync("validate: stdin is not a workflow definition in protobuf JSON: " + e.Message).ConfigureAwait(false);
            return BadInput;
        }

        var result = new WorkflowDefinitionValidator().Validate(definition);
        var response = new ValidateWorkflowResponse { Valid = result.Problems.Count == 0 };
        response.Problems.Add(result.Problems);
        if (response.Valid && result.Plan is not null)
        {
            response.Plan = result.Plan;
        }

        await output.WriteLineAsync(JsonFormatter.Default.Format(response)).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> BackupAsync(string database, string destination, TextWriter output, TextWriter error)
    {
        try
        {
            var result = await SqliteStoreBackup.BackupAsync(database, destination).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"Backed up {result.Executions} executions ({result.Events} events, {result.Bytes} bytes) to {result.Path}; integrity check ok.")).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return BadInput;
        }
        catch (Exception e) when (e is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            await error.WriteLineAsync("the backup failed: " + e.Message).ConfigureAwait(false);
            return Failed;
        }
    }

    private static async Task<int> RunLocalPostgresAsync(TextWriter output, TextWriter error)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        ThrowawayPostgresServer server;
        try
        {
            server = await ThrowawayPostgresServer.StartAsync(durable: true).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            await error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return Failed;
        }

        await using (server.ConfigureAwait(false))
        {
            await output.WriteLineAsync($"Data directory: {server.DataDirectory} (deleted when this process stops)").ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Now listening on: postgresql://127.0.0.1:{server.Port}")).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            await stop.Task.ConfigureAwait(false);
        }

        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }
    }

    private static async Task<int> UsageAsync(TextWriter error)
    {
        await error.WriteLineAsync("usage: GrpcWorkflows.Orchestrator validate < definition.json | backup DESTINATION [--database PATH] | postgres-local").ConfigureAwait(false);
        return BadInput;
    }
}
