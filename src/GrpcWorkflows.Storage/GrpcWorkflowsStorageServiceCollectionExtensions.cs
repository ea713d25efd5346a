using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Configuration;
using GrpcWorkflows.Storage.Postgres;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.Storage.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the GrpcWorkflows execution store chosen by configuration.</summary>
public static class GrpcWorkflowsStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IExecutionStore"/> as a singleton chosen by <c>Storage:Provider</c>
    /// (<c>sqlite</c>, the default: <see cref="SqliteExecutionStore"/> on <c>Storage:Sqlite:Path</c>;
    /// <c>postgres</c>: <see cref="PostgresExecutionStore"/> on <c>Storage:Postgres:ConnectionString</c>;
    /// <c>memory</c>: <see cref="InMemoryExecutionStore"/>), validates <see cref="StorageOptions"/> at
    /// start, and adds the retention job (<see cref="ExecutionRetentionService"/>) whichever store it is.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The application's configuration root; the <c>Storage</c> section is read.</param>
    /// <returns>The services, for chaining.</returns>
    /// <remarks>The store opens (and migrates its schema) when first resolved; the container disposes it.</remarks>
    public static IServiceCollection AddGrpcWorkflowsStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IExecutionStore>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            var timeProvider = provider.GetRequiredService<TimeProvider>();
            var loggerFactory = provider.GetService<ILoggerFactory>();
            if (StorageProviders.Is(options.Provider, StorageProviders.Memory))
            {
                return new InMemoryExecutionStore(timeProvider);
            }

            return StorageProviders.Is(options.Provider, StorageProviders.Postgres)
                ? new PostgresExecutionStore(options.Postgres, timeProvider, loggerFactory)
                : new SqliteExecutionStore(options.Sqlite, timeProvider, loggerFactory);
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ExecutionRetentionService>());
        return services;
    }
}
