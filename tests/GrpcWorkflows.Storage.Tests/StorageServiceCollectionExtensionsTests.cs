using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.Storage.Configuration;
using GrpcWorkflows.Storage.Retention;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static GrpcWorkflows.Storage.Tests.TestEvents;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>The one-call wiring: configuration chooses the store; retention purges on a timer.</summary>
public sealed class StorageServiceCollectionExtensionsTests : IDisposable
{
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task AddGrpcWorkflowsStorage_ProviderMemory_RegistersTheInMemoryStore()
    {
        await using var services = Build(new() { ["Storage:Provider"] = "Memory" });

        Assert.IsType<InMemoryExecutionStore>(services.GetRequiredService<IExecutionStore>());
    }

    [Fact]
    public async Task AddGrpcWorkflowsStorage_SqliteSettings_OpensTheConfiguredFileWithThatSynchronous()
    {
        var path = _database.PathOf("configured.db");
        await using var services = Build(new() { ["Storage:Sqlite:Path"] = path, ["Storage:Sqlite:Synchronous"] = "Full" });

        var store = Assert.IsType<SqliteExecutionStore>(services.GetRequiredService<IExecutionStore>());

        Assert.Equal(path, store.FilePath);
        Assert.Equal(SqliteSynchronous.Full, store.Synchronous);
        Assert.Single(services.GetServices<IHostedService>().OfType<ExecutionRetentionService>());
    }

    [Fact]
    public void AddGrpcWorkflowsStorage_NoSettings_DefaultsToSqliteUnderTheDataFolder()
    {
        var options = new StorageOptions();

        Assert.Equal(StorageProviders.Sqlite, options.Provider);
        Assert.Equal(".data/grpcworkflows.db", options.Sqlite.Path);
        Assert.Equal(SqliteSynchronous.Normal, options.Sqlite.Synchronous);
    }

    [Fact]
    public async Task AddGrpcWorkflowsStorage_UnknownProvider_FailsValidationNamingTheSetting()
    {
        await using var services = Build(new() { ["Storage:Provider"] = "postgres-someday", ["Storage:Retention:MaxCount"] = "-1" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("Storage:Provider is 'postgres-someday'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Storage:Retention:MaxCount", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddGrpcWorkflowsStorage_PostgresWithoutConnectionString_FailsValidationNamingTheSetting()
    {
        await using var services = Build(new() { ["Storage:Provider"] = "Postgres", ["Storage:Postgres:MaxBatchSize"] = "0", ["Storage:Postgres:Schema"] = new string('s', 58) });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("Storage:Postgres:ConnectionString is empty", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Storage:Postgres:MaxBatchSize is 0", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("is longer than 57 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RetentionService_IntervalElapses_PurgesExecutionsPastMaxAgeOnly()
    {
        var time = new FakeTimeProvider(Epoch.AddDays(10));
        await using var services = Build(
            new()
            {
                ["Storage:Provider"] = "memory",
                ["Storage:Retention:MaxAge"] = "1.00:00:00",
                ["Storage:Retention:Interval"] = "00:10:00",
            },
            time);
        var store = services.GetRequiredService<IExecutionStore>();
        var retention = services.GetServices<IHostedService>().OfType<ExecutionRetentionService>().Single();
        await FinishAsync(store, "old", time.GetUtcNow().AddDays(-2));
        await FinishAsync(store, "young", time.GetUtcNow().AddHours(-20));

        await retention.StartAsync(CancellationToken.None).DefaultTimeout();
        await AsyncTestHelpers.WaitUntilAsync(async () => await store.GetAsync("old") is null, "the start-up purge removed 'old'");
        time.Advance(TimeSpan.FromHours(5));
        await AsyncTestHelpers.WaitUntilAsync(async () => await store.GetAsync("young") is null, "the timed purge removed 'young'");
        await retention.StopAsync(CancellationToken.None).DefaultTimeout();
    }

    [Fact]
    public async Task PurgeOnceAsync_MaxCount_KeepsTheMostRecentlyFinished()
    {
        var time = new FakeTimeProvider(Epoch.AddDays(1));
        await using var services = Build(new() { ["Storage:Provider"] = "memory", ["Storage:Retention:MaxCount"] = "2" }, time);
        var store = services.GetRequiredService<IExecutionStore>();
        var retention = services.GetServices<IHostedService>().OfType<ExecutionRetentionService>().Single();
        for (var index = 0; index < 4; index++)
        {
            await FinishAsync(store, $"e{index}", Epoch.AddMinutes(index));
        }

        var purged = await retention.PurgeOnceAsync().DefaultTimeout();

        Assert.Equal(2, purged);
        Assert.Null(await store.GetAsync("e1").DefaultTimeout());
        Assert.NotNull(await store.GetAsync("e2").DefaultTimeout());
    }

    internal static ServiceProvider Build(Dictionary<string, string?> settings, TimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddGrpcWorkflowsStorage(configuration);
        return services.BuildServiceProvider();
    }

    private static async Task FinishAsync(IExecutionStore store, string id, DateTimeOffset endTime)
    {
        await store.CreateAsync(Submitted(id, endTime.AddMinutes(-1))).DefaultTimeout();
        await store.AppendAsync(id, [Started(id, 2), Finished(id, 3, ExecutionState.Succeeded, endTime)]).AsTask().DefaultTimeout();
    }
}
