using GrpcWorkflows.Orchestrator.Http;
using GrpcWorkflows.Orchestrator.Services;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Hosting;

/// <summary>
/// One-call hosting of the orchestrator: a <see cref="WebApplicationBuilder"/> with its defaults
/// (127.0.0.1, h2c, quiet request logging, every setting from configuration/env/args) and the
/// endpoint mapping.
/// </summary>
public static class OrchestratorHost
{
    /// <summary>Creates a builder with the orchestrator's services added from <paramref name="args"/>, environment and configuration.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        // No appsettings.json ships with the orchestrator: do not watch the working folder for one.
        var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // "Grpc." (with the dot): a bare "Grpc" prefix would also silence every "GrpcWorkflows.*" logger.
        builder.Logging.AddFilter("Grpc.", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        // Refused credentials are logged once, briefly, by the authorization interceptor.
        builder.Logging.AddFilter("GrpcWorkflows.Orchestrator.Security.Internal", LogLevel.Warning);
        var section = builder.Configuration.GetSection(OrchestratorOptions.SectionName);
        var tls = section.GetSection(nameof(OrchestratorOptions.Tls))[nameof(TlsOptions.CertificatePath)];
        var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey];
        if (string.IsNullOrWhiteSpace(urls))
        {
            urls = string.IsNullOrWhiteSpace(tls) ? OrchestratorOptions.DefaultUrl : OrchestratorOptions.DefaultTlsUrl;
            builder.WebHost.UseUrls(urls);
        }

        // A second, HTTP/1.1 + HTTP/2 address for the dashboard, the JSON API and /metrics (h2c answers HTTP/2 only).
        var httpAddress = section[nameof(OrchestratorOptions.HttpAddress)];
        if (!string.IsNullOrWhiteSpace(httpAddress) && string.IsNullOrWhiteSpace(tls))
        {
            HttpListeners.Configure(builder, urls, httpAddress);
        }

        builder.Services.AddGrpcWorkflowsOrchestrator(builder.Configuration);
        return builder;
    }

    /// <summary>
    /// Maps WorkflowService (over gRPC and, transcoded, as the JSON API under <c>/v1</c>), ExecutorRegistryService,
    /// grpc.health.v1, server reflection, and the HTTP routes of <see cref="HttpEndpoints.MapGrpcWorkflowsHttp"/>
    /// (health, <c>/metrics</c>, the dashboard at <c>/ui</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapGrpcWorkflowsOrchestrator(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<WorkflowGrpcService>();
        endpoints.MapGrpcService<ExecutorRegistryGrpcService>();
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapGrpcReflectionService();
        endpoints.MapGrpcWorkflowsHttp();
        return endpoints;
    }

    /// <summary>
    /// Validates every options class of the orchestrator at once and returns all the messages (empty
    /// when the configuration is valid), so that a bad start reports every problem, not the first.
    /// </summary>
    public static IReadOnlyList<string> ValidateConfiguration(IServiceProvider services)
    {
        var failures = new List<string>();
        Check<OrchestratorOptions>(services, failures);
        Check<GrpcWorkflows.Engine.EngineOptions>(services, failures);
        Check<GrpcWorkflows.Orchestrator.Registry.ExecutorRegistryOptions>(services, failures);
        Check<GrpcWorkflows.Orchestrator.Dispatch.DispatchOptions>(services, failures);
        Check<GrpcWorkflows.Storage.Configuration.StorageOptions>(services, failures);
        Check<GrpcWorkflows.Orchestrator.Security.AuthOptions>(services, failures);
        return failures;
    }

    /// <summary>The options-validation messages inside <paramref name="exception"/> (possibly aggregated); empty when it is another failure.</summary>
    public static IReadOnlyList<string> ConfigurationFailures(Exception exception) => exception switch
    {
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate => [.. aggregate.InnerExceptions.SelectMany(ConfigurationFailures)],
        _ => [],
    };

    /// <summary>
    /// The store failure inside <paramref name="exception"/> (possibly aggregated or wrapped): the execution
    /// store could not be opened (read-only, damaged); null when it is another failure.
    /// </summary>
    public static GrpcWorkflows.Engine.Storage.StoreUnavailableException? StoreFailure(Exception? exception) => exception switch
    {
        null => null,
        GrpcWorkflows.Engine.Storage.StoreUnavailableException store => store,
        AggregateException aggregate => aggregate.InnerExceptions.Select(StoreFailure).FirstOrDefault(f => f is not null),
        _ => StoreFailure(exception.InnerException),
    };

    private static void Check<TOptions>(IServiceProvider services, List<string> failures)
        where TOptions : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<TOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
    }
}
