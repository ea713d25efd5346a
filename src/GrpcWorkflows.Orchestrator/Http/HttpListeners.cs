using GrpcWorkflows.Orchestrator.Hosting;

namespace GrpcWorkflows.Orchestrator.Http;

/// <summary>
/// Where the orchestrator listens: the gRPC address(es) of <c>--urls</c> (h2c without TLS) and,
/// when <see cref="OrchestratorOptions.HttpAddress"/> is set, a second address speaking HTTP/1.1
/// (HTTP/2 needs TLS to be negotiated; h2c with prior knowledge stays on the gRPC address) for browsers, <c>curl</c> and Prometheus (the dashboard, the JSON API, <c>/metrics</c>,
/// <c>/healthz</c>, <c>/readyz</c>). With TLS one address serves both (ALPN negotiates the protocol).
/// </summary>
internal static class HttpListeners
{
    /// <summary>
    /// Turns <paramref name="grpcUrls"/> and the HTTP address into Kestrel endpoints of the configuration
    /// (<c>Kestrel:Endpoints:Grpc0..n</c> with HTTP/2 only, then <c>Kestrel:Endpoints:Http</c> with HTTP/1.1), in that order, so that the first listening address is still the gRPC one.
    /// </summary>
    public static void Configure(WebApplicationBuilder builder, string grpcUrls, string httpAddress)
    {
        var endpoints = new Dictionary<string, string?>(StringComparer.Ordinal);
        var urls = grpcUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < urls.Length; i++)
        {
            endpoints[$"Kestrel:Endpoints:Grpc{i}:Url"] = urls[i];
            endpoints[$"Kestrel:Endpoints:Grpc{i}:Protocols"] = "Http2";
        }

        endpoints["Kestrel:Endpoints:Http:Url"] = httpAddress;
        endpoints["Kestrel:Endpoints:Http:Protocols"] = "Http1";
        builder.Configuration.AddInMemoryCollection(endpoints);
        // The endpoints above replace --urls, which Kestrel reports with a warning at every start: it says
        // nothing the two "Now listening on" lines do not, so Kestrel's own warnings are left out here.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);
    }
}
