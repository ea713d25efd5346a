using GrpcWorkflows.Engine.Storage;
using Microsoft.Data.Sqlite;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>
/// What the store checks before it takes writes: that the files can be written, that the write-ahead
/// log is one SQLite will replay whole, and that the database file is structurally sound. Each
/// failure refuses the start with the cause and what to do.
/// </summary>
internal static class StartupChecks
{
    private const string RestoreAdvice =
        "The orchestrator refuses to start on it so that no acknowledged work is lost silently. Restore the latest backup " +
        "(docs/durability.md, 'Backup and restore'): with the orchestrator stopped, copy the backup to the database path and delete " +
        "its -wal and -shm files. To start empty instead, move the damaged files aside.";

    /// <summary>Throws <see cref="StoreUnavailableException"/> (read-only) when the database file, its -wal or -shm, or its folder cannot be written.</summary>
    public static void RequireWritable(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            try
            {
                using var probe = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw ReadOnly(path, $"'{file}' cannot be opened for writing ({e.Message})", e);
            }
        }

        var folder = Path.GetDirectoryName(path) ?? ".";
        var probeFile = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.probe");
        try
        {
            using (new FileStream(probeFile, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReadOnly(path, $"no file can be created in its folder '{folder}' ({e.Message}); SQLite needs to create the -wal and -shm files there", e);
        }
    }

    /// <summary>Throws <see cref="StoreUnavailableException"/> (damaged) when SQLite would drop committed transactions from the -wal file.</summary>
    public static void RequireSoundWriteAheadLog(string path)
    {
        if (WalFileCheck.FindDamage(path + "-wal") is { } damage)
        {
            throw Damaged(path, damage, null);
        }
    }

    /// <summary>Throws <see cref="StoreUnavailableException"/> when the open connection is read-only or <c>PRAGMA quick_check</c> finds damage.</summary>
    public static void RequireSoundDatabase(SqliteConnection connection, string path, bool quickCheck)
    {
        if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
        {
            throw ReadOnly(path, "SQLite opened it read-only", null);
        }

        if (!quickCheck)
        {
            return;
        }

        var problems = new List<string>();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA quick_check(20);";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            problems.Add(reader.GetString(0));
        }

        if (problems is not ["ok"])
        {
            throw Damaged(path, "PRAGMA quick_check reports: " + string.Join("; ", problems), null);
        }
    }

    /// <summary>The refusal for a file SQLite reports damaged while opening it.</summary>
    public static StoreUnavailableException Damaged(string path, string damage, Exception? inner)
        => new(StoreFailureReason.Damaged, $"The execution store '{path}' is damaged: {damage}. {RestoreAdvice}", inner);

    /// <summary>Whether <paramref name="exception"/> is SQLite reporting a damaged or foreign file.</summary>
    public static bool IsDamage(Exception exception)
        => exception is SqliteException { SqliteErrorCode: 11 or 26 };

    private static StoreUnavailableException ReadOnly(string path, string cause, Exception? inner)
        => new(
            StoreFailureReason.ReadOnly,
            $"The execution store '{path}' is read-only: {cause}. The orchestrator writes every state change there; make the file, its -wal and -shm files and their folder writable (or set Storage:Sqlite:Path to a writable place), then start again.",
            inner);
}
