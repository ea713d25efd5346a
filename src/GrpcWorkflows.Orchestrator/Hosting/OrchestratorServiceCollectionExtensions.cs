using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.Orchestrator.Dispatch;
using GrpcWorkflows.Orchestrator.Hosting;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Security.Internal;
using GrpcWorkflows.Orchestrator.Services;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using GrpcWorkflows.Orchestrator.Services.Internal;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the GrpcWorkflows orchestrator: engine, store, registry, dispatcher, gRPC services, health, reflection, telemetry.</summary>
public static class OrchestratorServiceCollectionExtensions
{
    /// <summary>The configuration key of the OTLP endpoint; when set, traces and metrics are exported there.</summary>
    public const string OtlpEndpointKey = "OpenTelemetry:Otlp:Endpoint";

    /// <summary>
    /// Adds the orchestrator's services, bound from <paramref name="configuration"/> (sections
    /// <c>Orchestrator</c>, <c>Engine</c>, <c>Executors</c>, <c>Dispatch</c>, <c>Storage</c>, <c>Auth</c>,
    /// <c>OpenTelemetry</c>), every options class validated at start.
    /// </summary>
    public static IGrpcWorkflowsOrchestratorBuilder AddGrpcWorkflowsOrchestrator(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<OrchestratorOptions>().Bind(configuration.GetSection(OrchestratorOptions.SectionName)).ValidateOnStart();
        services.AddOptions<EngineOptions>().Bind(configuration.GetSection("Engine")).ValidateOnStart();
        services.AddOptions<ExecutorRegistryOptions>().Bind(configuration.GetSection(ExecutorRegistryOptions.SectionName)).ValidateOnStart();
        services.AddOptions<DispatchOptions>().Bind(configuration.GetSection(DispatchOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrchestratorOptions>, OrchestratorOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EngineOptions>, EngineOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExecutorRegistryOptions>, ExecutorRegistryOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DispatchOptions>, DispatchOptionsValidator>());

        // Storage:Provider = sqlite (the default, durable), postgres or memory; Storage:Sqlite:Path, Storage:Postgres:ConnectionString, Storage:Retention:...
        services.AddGrpcWorkflowsStorage(configuration);

        services.TryAddSingleton<ExecutorRegistry>();
        services.TryAddSingleton(sp => new ExecutorEndpointPolicy(sp.GetRequiredService<IOptions<ExecutorRegistryOptions>>(), sp.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()));
        services.TryAddSingleton<IStepTypeCatalog>(sp => sp.GetRequiredService<ExecutorRegistry>());
        services.AddHostedService<LeaseSweeper>();
        services.TryAddSingleton<ChannelPool>();
        services.TryAddSingleton(sp => new GrpcStepDispatcher(
            sp.GetRequiredService<ExecutorRegistry>(),
            sp.GetRequiredService<ChannelPool>(),
            sp.GetRequiredService<IOptions<DispatchOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<GrpcStepDispatcher>>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<IStepDispatcher>(sp => sp.GetRequiredService<GrpcStepDispatcher>());
        services.TryAddSingleton(sp => new WorkflowEngine(
            sp.GetRequiredService<IExecutionStore>(),
            sp.GetRequiredService<IStepDispatcher>(),
            sp.GetRequiredService<IOptions<EngineOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            new Random(),
            sp.GetRequiredService<IStepTypeCatalog>()));
        services.AddHostedService<EngineHostedService>();
        services.AddOptions<HostOptions>().Configure<IOptions<OrchestratorOptions>>((host, orchestrator)
            => host.ShutdownTimeout = orchestrator.Value.ShutdownGracePeriod + TimeSpan.FromSeconds(5));

        services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = false;
            grpc.Interceptors.Add<ExceptionInterceptor>();
        });
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<EngineOptions>>((grpc, engine) =>
        {
            var limits = engine.Value.Limits;
            var largest = (long)limits.MaxDefinitionBytes + limits.MaxPayloadBytes + (64 * 1024);
            grpc.MaxReceiveMessageSize = (int)Math.Min(largest, int.MaxValue);
        });
        // Auth: API keys and JWT bearer, the policy table enforced on WorkflowService and ExecutorRegistryService.
        services.AddClientAuthentication(configuration);
        services.AddGrpcHealthChecks().AddCheck<EngineHealthCheck>("engine");
        services.AddGrpcReflection();

        // grpc-dotnet's binder replaced by one whose request marshallers answer a malformed message
        // INVALID_ARGUMENT (not UNKNOWN with an error-level stack trace); after every AddGrpc call.
        var binders = services.Where(d => d.ServiceType == typeof(IServiceMethodProvider<>) && d.ImplementationType?.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal) == true).ToList();
        foreach (var binder in binders)
        {
            services.Remove(binder);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(RequestValidatingMethodProvider<>)));
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<OrchestratorOptions>>((kestrel, orchestrator)
            => KestrelTls.Configure(kestrel, orchestrator.Value.Tls));

        var otlpEndpoint = configuration[OtlpEndpointKey];
        if (!string.IsNullOrWhiteSpace(otlpEndpoint))
        {
            services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService("grpcworkflows-orchestrator"))
                .WithTracing(tracing => tracing.AddSource("GrpcWorkflows.*", "System.Net.Http", "Microsoft.AspNetCore"))
                .WithMetrics(metrics => metrics.AddMeter("GrpcWorkflows.*", "System.Net.Http", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"))
                .UseOtlpExporter(OtlpExportProtocol.Grpc, new Uri(otlpEndpoint));
        }

        return new GrpcWorkflowsOrchestratorBuilder(services);
    }

    private sealed class GrpcWorkflowsOrchestratorBuilder(IServiceCollection services) : IGrpcWorkflowsOrchestratorBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
