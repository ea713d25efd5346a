using Google.Protobuf.Reflection;
using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Secrets;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.Orchestrator.Dispatch;
using GrpcWorkflows.Orchestrator.Hosting;
using GrpcWorkflows.Orchestrator.Metrics;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Security;
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
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the GrpcWorkflows orchestrator: engine, store, registry, dispatcher, gRPC services, health, reflection, telemetry.</summary>
public static class OrchestratorServiceCollectionExtensions
{
    /// <summary>The configuration key of the OTLP endpoint; when set, traces and metrics are exported there.</summary>
    public const string OtlpEndpointKey = "OpenTelemetry:Otlp:Endpoint";

    /// <summary>Histogram buckets of durations in seconds: 1 ms to 5 minutes.</summary>
    private static readonly double[] SecondsBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    /// <summary>
    /// Adds the orchestrator's services, bound from <paramref name="configuration"/> (sections
    /// <c>Orchestrator</c>, <c>Engine</c>, <c>Executors</c>, <c>Dispatch</c>, <c>Storage</c>, <c>Auth</c>, <c>Secrets</c>,
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
        // The store measured on its way (append latency and batch sizes, executions and steps by type for /metrics).
        var store = services.Last(d => d.ServiceType == typeof(IExecutionStore));
        services.Remove(store);
        services.AddSingleton(sp => new MeteredExecutionStore(
            store.ImplementationFactory is { } factory ? (IExecutionStore)factory(sp) : store.ImplementationInstance is IExecutionStore instance ? instance : (IExecutionStore)ActivatorUtilities.CreateInstance(sp, store.ImplementationType!),
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<IExecutionStore>(sp => sp.GetRequiredService<MeteredExecutionStore>());
        // Replicas: a store shared by several orchestrators (PostgreSQL) owns executions through leases.
        services.AddOptions<ReplicaOptions>().Bind(configuration.GetSection(ReplicaOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicaOptions>, ReplicaOptionsValidator>());

        services.TryAddSingleton(sp => new ExecutorRegistry(
            sp.GetRequiredService<IOptions<ExecutorRegistryOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ExecutorRegistry>>(),
            sp.GetRequiredService<ExecutorEndpointPolicy>()));
        services.TryAddSingleton<ExecutorSessionHandler>();
        services.TryAddSingleton(sp => new ExecutorEndpointPolicy(sp.GetRequiredService<IOptions<ExecutorRegistryOptions>>(), sp.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()));
        services.TryAddSingleton<IStepTypeCatalog>(sp => sp.GetRequiredService<ExecutorRegistry>());
        services.AddOptions<SecretsOptions>().Bind(configuration.GetSection(SecretsOptions.SectionName));
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<SecretsOptions>>().Value.CreateProvider());
        services.AddHostedService<LeaseSweeper>();
        // Replicas on a store that shares push registrations: every replica serves every registered executor.
        services.AddHostedService(sp => new RegistrationSync(
            sp.GetRequiredService<ExecutorRegistry>(),
            sp.GetRequiredService<IOptions<ReplicaOptions>>().Value.Enabled && sp.GetRequiredService<MeteredExecutionStore>() is { ServesReplicas: true } metered
                ? metered.Inner as IExecutorRegistrationStore
                : null,
            sp.GetRequiredService<IOptions<ReplicaOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RegistrationSync>>()));
        services.TryAddSingleton<ChannelPool>();
        services.TryAddSingleton(sp => new GrpcStepDispatcher(
            sp.GetRequiredService<ExecutorRegistry>(),
            sp.GetRequiredService<ChannelPool>(),
            sp.GetRequiredService<IOptions<DispatchOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<GrpcStepDispatcher>>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetService<CallerTokenIssuer>()));
        services.TryAddSingleton<IStepDispatcher>(sp => sp.GetRequiredService<GrpcStepDispatcher>());
        services.TryAddSingleton(sp => WithReplicaShare(sp.GetRequiredService<ExecutorRegistry>(), new WorkflowEngine(
            sp.GetRequiredService<IExecutionStore>(),
            sp.GetRequiredService<IStepDispatcher>(),
            sp.GetRequiredService<IOptions<EngineOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            new Random(),
            sp.GetRequiredService<IStepTypeCatalog>(),
            sp.GetRequiredService<ISecretProvider>(),
            sp.GetRequiredService<IOptions<ReplicaOptions>>().Value.Enabled && sp.GetRequiredService<MeteredExecutionStore>() is { ServesReplicas: true } replicas ? replicas : null,
            sp.GetRequiredService<IOptions<ReplicaOptions>>().Value,
            workflows: (sp.GetRequiredService<IExecutionStore>() is MeteredExecutionStore metered ? metered.Inner : sp.GetRequiredService<IExecutionStore>()) as GrpcWorkflows.Engine.StoredWorkflows.IWorkflowStore)));
        services.AddHostedService<EngineHostedService>();
        // Schedules live in the execution store (unwrapped); their loop starts after the engine and stops before it.
        services.TryAddSingleton(sp => new GrpcWorkflows.Engine.Schedules.Scheduler(
            (sp.GetRequiredService<IExecutionStore>() is MeteredExecutionStore meteredStore ? meteredStore.Inner : sp.GetRequiredService<IExecutionStore>()) as GrpcWorkflows.Engine.Schedules.IScheduleStore
                ?? throw new InvalidOperationException("The execution store keeps no schedules (it does not implement IScheduleStore)."),
            sp.GetRequiredService<WorkflowEngine>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService<SchedulerHostedService>();
        services.AddOptions<HostOptions>().Configure<IOptions<OrchestratorOptions>>((host, orchestrator)
            => host.ShutdownTimeout = orchestrator.Value.ShutdownGracePeriod + TimeSpan.FromSeconds(5));

        services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = false;
            grpc.Interceptors.Add<ExceptionInterceptor>();
        }).AddJsonTranscoding(transcoding =>
        {
            // Errors carry google.rpc details (BadRequest, PreconditionFailure...) in Any: the JSON API must know
            // their types to write them, or a refused request would answer 500 with no body.
            transcoding.TypeRegistry = TypeRegistry.FromFiles(Google.Rpc.ErrorDetailsReflection.Descriptor);
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

        // Metrics are always collected for the Prometheus scrape endpoint (/metrics); traces and metrics
        // also go to an OTLP collector when OpenTelemetry:Otlp:Endpoint is set.
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("grpcworkflows-orchestrator"))
            .WithMetrics(metrics => metrics
                .AddMeter("GrpcWorkflows.*", "System.Net.Http", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddView(GrpcWorkflows.Engine.Instrumentation.StepDurationMetric, new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets })
                .AddView(GrpcWorkflows.Orchestrator.Instrumentation.StepQueueWaitMetric, new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets })
                .AddView(GrpcWorkflows.Orchestrator.Instrumentation.AttemptDurationMetric, new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets })
                .AddView(GrpcWorkflows.Orchestrator.Instrumentation.StoreAppendDurationMetric, new ExplicitBucketHistogramConfiguration { Boundaries = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] })
                .AddView(GrpcWorkflows.Orchestrator.Instrumentation.StoreBatchSizeMetric, new ExplicitBucketHistogramConfiguration { Boundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500] })
                .AddPrometheusExporter());
        var otlpEndpoint = configuration[OtlpEndpointKey];
        if (!string.IsNullOrWhiteSpace(otlpEndpoint))
        {
            telemetry
                .WithTracing(tracing => tracing.AddSource("GrpcWorkflows.*", "System.Net.Http", "Microsoft.AspNetCore"))
                .UseOtlpExporter(OtlpExportProtocol.Grpc, new Uri(otlpEndpoint));
        }

        return new GrpcWorkflowsOrchestratorBuilder(services);
    }

    /// <summary>Executors' capacities follow the engine's share of the replicas (the whole for one orchestrator).</summary>
    private static WorkflowEngine WithReplicaShare(ExecutorRegistry registry, WorkflowEngine engine)
    {
        engine.ReplicaShareChanged += (_, share) => registry.ApplyReplicaShare(share);
        return engine;
    }

    private sealed class GrpcWorkflowsOrchestratorBuilder(IServiceCollection services) : IGrpcWorkflowsOrchestratorBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
