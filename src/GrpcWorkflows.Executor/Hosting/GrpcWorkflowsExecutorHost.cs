using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using GrpcWorkflows.Executor.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GrpcWorkflows.Executor.Hosting;

/// <summary>One-call hosting for executor executables.</summary>
/// <example>
/// <code>
/// var builder = GrpcWorkflowsExecutorHost.CreateBuilder(args);
/// builder.Services.AddGrpcWorkflowsExecutor().AddStepHandler&lt;MyHandler&gt;("my_type");
/// var app = builder.Build();
/// app.MapGrpcWorkflowsExecutor();
/// await app.RunAsync();
/// </code>
/// </example>
public static class GrpcWorkflowsExecutorHost
{
    /// <summary>The address listened on when neither <c>--urls</c>, <c>ASPNETCORE_URLS</c> nor <c>Kestrel:Endpoints</c> names one.</summary>
    public const string DefaultUrls = "http://127.0.0.1:0";

    /// <summary>
    /// Creates a <see cref="WebApplicationBuilder"/> for an executor: HTTP/2 without TLS (h2c) on <c>--urls</c>
    /// (default <see cref="DefaultUrls"/>), console logging that prints <c>Now listening on: ...</c>, and the usual
    /// configuration sources (command line, environment, <c>appsettings*.json</c> if present). TLS and mTLS are
    /// configured through Kestrel's <c>Kestrel:Endpoints</c> section.
    /// </summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The builder.</returns>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration[WebHostDefaultsUrlsKey]) && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        // gRPC needs HTTP/2; without TLS that means prior knowledge (h2c). An endpoint in Kestrel:Endpoints may override it.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));

        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // "Grpc." (with the dot): a bare "Grpc" prefix would also silence every "GrpcWorkflows.*" logger.
        builder.Logging.AddFilter("Grpc.", LogLevel.Warning);

        var otlpEndpoint = configuration[OtlpEndpointKey];
        if (!string.IsNullOrWhiteSpace(otlpEndpoint))
        {
            // The step spans continue the orchestrator's traces; exporting them completes the picture end to end.
            // The service name is the executor's name (Executor:Name, else the entry assembly's), known once options are built.
            builder.Services.AddOpenTelemetry()
                .WithTracing(tracing => tracing
                    .AddSource(Instrumentation.ActivitySourceName)
                    .ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider((sp, provider) => provider.ConfigureResource(resource =>
                        resource.AddService(ExecutorIdentity.Name(sp.GetRequiredService<IOptions<ExecutorOptions>>().Value))))))
                .UseOtlpExporter(OtlpExportProtocol.Grpc, new Uri(otlpEndpoint));
        }

        return builder;
    }

    /// <summary>The configuration key of the OTLP (gRPC) endpoint; when set, the executor's step spans are exported there.</summary>
    public const string OtlpEndpointKey = "OpenTelemetry:Otlp:Endpoint";

    private const string WebHostDefaultsUrlsKey = "urls";
}
