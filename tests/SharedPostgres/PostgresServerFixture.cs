using GrpcWorkflows.Storage.Postgres.Local;
using Npgsql;

namespace GrpcWorkflows.Testing;

/// <summary>
/// One throwaway PostgreSQL server for the whole test project (an xunit collection fixture): started from
/// the installed binaries on a free port when the first test of the collection runs, stopped and deleted
/// after the last. Each test works in a schema of its own (<see cref="NewSchema"/>).
/// </summary>
/// <remarks>
/// When PostgreSQL is not installed, the tests are skipped with the reason, unless the tests run as root
/// (CI installs it: a missing server there is a failure, not a skip).
/// </remarks>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private ThrowawayPostgresServer? _server;
    private string? _skipReason;

    /// <summary>The superuser connection string of the server's <c>postgres</c> database.</summary>
    /// <exception cref="SkipException">PostgreSQL is not installed and the tests do not run as root.</exception>
    public string ConnectionString
    {
        get
        {
            Skip.If(_skipReason is not null, _skipReason);
            return _server!.ConnectionString;
        }
    }

    /// <summary>A fresh schema name (the store creates it).</summary>
    public static string NewSchema() => "test_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Drops a schema with everything in it.</summary>
    public async Task DropSchemaAsync(string schema)
    {
        if (_server is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(Unpooled(_server.ConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Stops the server (fast shutdown: every client is disconnected) and starts it again after <paramref name="downtime"/>, same port and data.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        await _server!.StopAsync();
        await Task.Delay(downtime);
        await _server.StartAgainAsync();
        // This process's pooled connections were cut by the restart.
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Runs one statement as the superuser and returns its first column of the first row.</summary>
    public async Task<object?> ExecuteScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Unpooled(ConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>
    /// The fixture's own statements open a connection each: a pooled one could have been terminated by a test
    /// (<c>pg_terminate_backend</c>) or a restart while it sat idle in the pool.
    /// </summary>
    private static string Unpooled(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    public async Task InitializeAsync()
    {
        if (ThrowawayPostgresServer.FindBinaries() is null && !Environment.IsPrivilegedProcess)
        {
            _skipReason = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql to run these tests.";
            return;
        }

        _server = await ThrowawayPostgresServer.StartAsync(durable: false).WaitAsync(TimeSpan.FromMinutes(2));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The tests that share <see cref="PostgresServerFixture"/>'s server (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresServerGroup : ICollectionFixture<PostgresServerFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "PostgreSQL server";
}
