using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Ai.Embeddings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Plugins.Ai.Tests.Infrastructure;

/// <summary>The executor's services as Program.cs registers them, with configuration given by the test.</summary>
internal static class AiServices
{
    /// <summary>
    /// Builds the services. Pass <paramref name="sharedModel"/> to reuse a loaded model (it is then not disposed with
    /// the provider's other singletons, because it is registered as an instance).
    /// </summary>
    public static ServiceProvider Build(IDictionary<string, string?>? configuration = null, MiniLmEmbeddingGenerator? sharedModel = null)
    {
        var services = new ServiceCollection();
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Ai:Local:WarmUpOnStart"] = "false" })
            .AddInMemoryCollection(configuration ?? new Dictionary<string, string?>())
            .Build();
        services.AddSingleton<IConfiguration>(config);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        if (sharedModel is not null)
        {
            services.AddSingleton(sharedModel);
        }

        services.AddGrpcWorkflowsExecutor().AddAiStep();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    public static IStepHandler Handler(this IServiceProvider services) => services.GetRequiredService<AiStepHandler>();
}
