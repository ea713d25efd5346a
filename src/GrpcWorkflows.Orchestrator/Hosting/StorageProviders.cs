using GrpcWorkflows.Engine.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>Registers the <see cref="IExecutionStore"/> that <c>Storage:Provider</c> names.</summary>
public static class StorageProviders
{
    /// <summary>Whether this build includes the SQLite store.</summary>
    public const bool SqliteAvailable = false;

    /// <summary>Adds the store chosen by configuration (unless an <see cref="IExecutionStore"/> is registered already).</summary>
    public static void AddExecutionStore(IServiceCollection services, IConfiguration configuration)
    {
        var provider = configuration.GetSection(StorageOptions.SectionName)[nameof(StorageOptions.Provider)] ?? StorageOptions.DefaultProvider;
        if (string.Equals(provider, StorageOptions.SqliteProvider, StringComparison.OrdinalIgnoreCase))
        {
            // Wired when src/GrpcWorkflows.Storage.Sqlite lands; until then the options validator rejects 'sqlite' at start.
            return;
        }

        services.TryAddSingleton<IExecutionStore>(sp => new InMemoryExecutionStore(sp.GetRequiredService<TimeProvider>()));
    }
}
