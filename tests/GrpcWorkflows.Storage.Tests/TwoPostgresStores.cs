using GrpcWorkflows.Storage.Postgres;
using GrpcWorkflows.Testing;
using Npgsql;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>Two stores (two writers, two connection pools) on one fresh schema: how two replicas see the database.</summary>
public abstract class TwoPostgresStores(PostgresServerFixture postgres) : IAsyncLifetime
{
    /// <summary>A lease that does not expire during a test.</summary>
    protected static readonly TimeSpan LongLease = TimeSpan.FromMinutes(5);

    private readonly string _schema = PostgresServerFixture.NewSchema();
    private PostgresExecutionStore? _first;
    private PostgresExecutionStore? _second;

    /// <summary>The first replica's store.</summary>
    protected PostgresExecutionStore First => _first!;

    /// <summary>The second replica's store.</summary>
    protected PostgresExecutionStore Second => _second!;

    public virtual Task InitializeAsync()
    {
        _first = Open();
        _second = Open();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_first is not null)
        {
            await _first.DisposeAsync();
        }

        if (_second is not null)
        {
            await _second.DisposeAsync();
        }

        await postgres.DropSchemaAsync(_schema);
    }

    /// <summary>How many rows <paramref name="table"/> of the stores' schema holds.</summary>
    protected async Task<long> CountRowsAsync(string table)
        => Convert.ToInt64(await postgres.ExecuteScalarAsync($"SELECT count(*) FROM \"{_schema}\".{table}"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The stores' schema.</summary>
    protected string Schema => _schema;

    /// <summary>A connection of its own that <c>LISTEN</c>s on <paramref name="channel"/>, to see what the stores notify.</summary>
    protected async Task<Listening> OpenListenerAsync(string channel)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var listening = new Listening(connection);
        await using (var listen = new NpgsqlCommand($"LISTEN \"{channel}\"", connection))
        {
            await listen.ExecuteNonQueryAsync();
        }

        return listening;
    }

    /// <summary>Sends <paramref name="payload"/> on <paramref name="channel"/> from a connection of its own.</summary>
    protected Task NotifyAsync(string channel, string payload)
        => postgres.ExecuteScalarAsync($"SELECT pg_notify('{channel}', '{payload}')");

    private PostgresExecutionStore Open() => new(new PostgresStoreOptions { ConnectionString = postgres.ConnectionString, Schema = _schema });

    /// <summary>The notifications one connection hears, in order.</summary>
    protected sealed class Listening : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly System.Threading.Channels.Channel<string> _heard = System.Threading.Channels.Channel.CreateUnbounded<string>();

        public Listening(NpgsqlConnection connection)
        {
            _connection = connection;
            _connection.Notification += (_, notification) => _heard.Writer.TryWrite(notification.Payload);
        }

        /// <summary>The payload of the next notification heard (waiting on the connection until one comes).</summary>
        public async Task<string> NextAsync()
        {
            string? payload;
            while (!_heard.Reader.TryRead(out payload))
            {
                await _connection.WaitAsync();
            }

            return payload;
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}
