using GrpcWorkflows.Executor;
using GrpcWorkflows.Executor.Hosting;
using GrpcWorkflows.Executor.Internal;
using GrpcWorkflows.Executor.Registration;
using GrpcWorkflows.Executor.Sessions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the executor SDK: <c>services.AddGrpcWorkflowsExecutor().AddStepHandler&lt;MyHandler&gt;("my_type")</c>.</summary>
public static class ExecutorServiceCollectionExtensions
{
    /// <summary>
    /// Adds gRPC, health checks, reflection, the <c>StepExecutorService</c> and (when
    /// <see cref="ExecutorOptions.OrchestratorAddress"/> is set) the link to the orchestrator: a session it
    /// connects out with (<see cref="ExecutorMode.Connect"/>, the default) or self-registration of its
    /// address (<see cref="ExecutorMode.Push"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options after they are bound from the <c>Executor</c> configuration section.</param>
    /// <returns>A builder to add step handlers with.</returns>
    public static IExecutorBuilder AddGrpcWorkflowsExecutor(this IServiceCollection services, Action<ExecutorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<ExecutorOptions>().BindConfiguration(ExecutorOptions.SectionName);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExecutorOptions>, ExecutorOptionsValidator>());

        if (services.Any(d => d.ServiceType == typeof(StepHandlerCatalog)))
        {
            return new ExecutorBuilder(services);
        }

        services.AddGrpc();
        // Mutual TLS (Executor:CallerCertificates): https endpoints require the orchestrator's client certificate.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ExecutorOptions>>((kestrel, options) => CallerCertificatePolicy.Apply(kestrel, options.Value));
        // grpc.health.v1: SERVING while calls are accepted, NOT_SERVING once stopping; executors may add checks with AddHealthChecks().
        services.AddGrpcHealthChecks().AddCheck<ExecutorHealthCheck>("executor");
        services.AddGrpcReflection();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StepHandlerCatalog>();
        services.AddSingleton<ConcurrencyGate>();
        services.AddSingleton<ShutdownSignal>();
        services.AddSingleton<StepRunner>();
        services.AddSingleton<CallerTokenVerifier>();
        services.AddSingleton<ExecutorRegistrationService>();
        services.AddHostedService(sp => sp.GetRequiredService<ExecutorRegistrationService>());
        services.AddSingleton<ExecutorSessionService>();
        services.AddHostedService(sp => sp.GetRequiredService<ExecutorSessionService>());
        return new ExecutorBuilder(services);
    }
}
