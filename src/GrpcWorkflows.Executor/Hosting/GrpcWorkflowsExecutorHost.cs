using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

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
        return builder;
    }

    private const string WebHostDefaultsUrlsKey = "urls";
}
