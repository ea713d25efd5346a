using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Replicas.Tests;

/// <summary>
/// A test's replicas and executors (child processes) on a fresh schema of the shared PostgreSQL server, and a
/// temp folder for their files; everything stopped, dropped and deleted after the test.
/// </summary>
public abstract class ReplicaTestBase(PostgresServerFixture postgres) : IAsyncLifetime
{
    /// <summary>The test's schema.</summary>
    protected string Schema { get; } = PostgresServerFixture.NewSchema();

    /// <summary>The test's temp folder (delivery logs).</summary>
    protected string Folder { get; } = Directory.CreateTempSubdirectory("grpcworkflows-replicas-").FullName;

    /// <summary>The server's connection string.</summary>
    protected string ConnectionString => postgres.ConnectionString;

    internal List<ReplicaProcess> Replicas { get; } = [];

    internal List<TestProcess> Executors { get; } = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var executor in Executors)
        {
            await executor.DisposeAsync();
        }

        foreach (var replica in Replicas)
        {
            await replica.DisposeAsync();
        }

        await postgres.DropSchemaAsync(Schema);
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A child still holds a file: the OS cleans the temp folder.
        }
    }

    /// <summary>Starts a replica on the test's schema (see <see cref="ReplicaProcess.StartAsync"/>) and stops it after the test.</summary>
    internal async Task<ReplicaProcess> StartReplicaAsync(string id, Uri? executorUrl, int executorCapacity = 64, int port = 0, IEnumerable<string>? extraArguments = null)
    {
        var replica = await ReplicaProcess.StartAsync(id, ConnectionString, Schema, executorUrl, executorCapacity: executorCapacity, port: port, extraArguments: extraArguments);
        Replicas.Add(replica);
        return replica;
    }
}
