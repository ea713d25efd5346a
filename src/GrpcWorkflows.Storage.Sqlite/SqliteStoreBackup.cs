using Microsoft.Data.Sqlite;

namespace GrpcWorkflows.Storage.Sqlite;

/// <summary>What <see cref="SqliteStoreBackup.BackupAsync"/> wrote.</summary>
/// <param name="Path">The full path of the backup file.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Executions">The number of executions it holds.</param>
/// <param name="Events">The number of events it holds.</param>
public sealed record SqliteBackupResult(string Path, long Bytes, long Executions, long Events);

/// <summary>
/// Copies an execution store's SQLite file into a new, self-contained file (no <c>-wal</c>) with
/// <c>VACUUM INTO</c>: one read transaction, so the copy is a consistent snapshot even while an
/// orchestrator writes to the file. The copy is then checked (<c>PRAGMA quick_check</c>).
/// </summary>
/// <remarks>
/// Restore: stop the orchestrator, copy the backup to <c>Storage:Sqlite:Path</c>, delete that path's
/// <c>-wal</c> and <c>-shm</c> files, start it. Executions unfinished in the backup resume.
/// </remarks>
public static class SqliteStoreBackup
{
    /// <summary>Writes a consistent copy of <paramref name="databasePath"/> to <paramref name="destinationPath"/>, which must not exist.</summary>
    /// <exception cref="FileNotFoundException">There is no database at <paramref name="databasePath"/>.</exception>
    /// <exception cref="IOException"><paramref name="destinationPath"/> already exists.</exception>
    /// <exception cref="InvalidOperationException">The copy fails its integrity check.</exception>
    public static async Task<SqliteBackupResult> BackupAsync(string databasePath, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        var source = Path.GetFullPath(databasePath);
        var destination = Path.GetFullPath(destinationPath);
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"There is no execution store at '{source}'.", source);
        }

        if (File.Exists(destination))
        {
            throw new IOException($"'{destination}' already exists; a backup never overwrites a file. Choose a new name.");
        }

        var folder = Path.GetDirectoryName(destination);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        // Read-write, so that the connection can read a WAL whose -shm it has to set up; it writes nothing.
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 30 }.ToString()))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout = 30000; VACUUM INTO $destination;";
            command.Parameters.AddWithValue("$destination", destination);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await copy.OpenAsync(cancellationToken).ConfigureAwait(false);
        var check = await ScalarAsync(copy, "PRAGMA quick_check;", cancellationToken).ConfigureAwait(false);
        if (!string.Equals(check as string, "ok", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The backup '{destination}' fails its integrity check ({check}); do not use it.");
        }

        var executions = (long)(await ScalarAsync(copy, "SELECT count(*) FROM executions;", cancellationToken).ConfigureAwait(false))!;
        var events = (long)(await ScalarAsync(copy, "SELECT count(*) FROM events;", cancellationToken).ConfigureAwait(false))!;
        return new SqliteBackupResult(destination, new FileInfo(destination).Length, executions, events);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }
}
