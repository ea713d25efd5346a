using System.Globalization;
using GrpcWorkflows.Storage.Postgres.Local;
using Npgsql;

namespace GrpcWorkflows.Bench;

/// <summary>
/// What the PostgreSQL server did during a scenario: the transactions it committed (each store round trip
/// is one: the writer sends a batch as one implicit transaction, a read is one statement) and, when the
/// server is the run's throwaway one, the CPU time of its processes.
/// </summary>
internal sealed class PostgresProbe(string connectionString, ThrowawayPostgresServer? server)
{
    // Backends publish their statistics at most once a second, when idle: wait that long before reading them.
    private static readonly TimeSpan StatisticsDelay = TimeSpan.FromSeconds(1.5);

    public async Task<(long Transactions, TimeSpan? Cpu)> ReadAsync()
    {
        await Task.Delay(StatisticsDelay);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database", connection);
        var transactions = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        return (transactions, ServerCpu());
    }

    /// <summary>The CPU time of the postmaster and its live children, or null when the server is not ours.</summary>
    private TimeSpan? ServerCpu()
    {
        if (server is null)
        {
            return null;
        }

        var postmaster = int.Parse(File.ReadLines(Path.Combine(server.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        long ticks = 0;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ... utime(14) stime(15)"; comm may hold spaces, so split after ')'.
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == postmaster || parent == postmaster)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while being read.
            }
        }

        // Clock ticks are 1/100 s on Linux (USER_HZ).
        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}
