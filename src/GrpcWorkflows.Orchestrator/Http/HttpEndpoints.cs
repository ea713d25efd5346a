using Google.Protobuf;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Security.Internal;
using GrpcWorkflows.V1;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Http;

/// <summary>
/// The orchestrator's plain-HTTP routes beside its gRPC services (the JSON API of WorkflowService is
/// transcoded from the gRPC methods themselves): health, Prometheus metrics, the executors list, and the
/// dashboard at <c>/ui</c>.
/// </summary>
public static class HttpEndpoints
{
    /// <summary>The path of the Prometheus scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    private const string ListExecutorsMethod = "/grpcworkflows.v1.ExecutorRegistryService/ListExecutors";

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    /// <summary>
    /// Maps <c>/healthz</c> (the process answers), <c>/readyz</c> (the engine admits and persists work:
    /// the health check behind <c>grpc.health.v1</c>), <c>/metrics</c>, <c>GET /v1/executors</c>,
    /// <c>/ui</c> and <c>/ui/api/session</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapGrpcWorkflowsHttp(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz");
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath);

        // ExecutorRegistryService stays free of HTTP annotations (executors in any language load its proto
        // with nothing but protobuf's own imports), so its list is mapped here, under the same policy.
        endpoints.MapGet("/v1/executors", ListExecutorsAsync);

        endpoints.MapGet("/", () => Results.Redirect("/ui/"));
        endpoints.MapGet("/ui/{file?}", (HttpContext http, string? file) => UiFiles.ServeAsync(http, file));
        endpoints.MapGet("/ui/api/session", SessionAsync);
        return endpoints;
    }

    private static async Task ListExecutorsAsync(HttpContext http, ExecutorRegistry registry, IOptions<AuthOptions> auth, ILogger<AuthorizationInterceptor> logger, string? stepType = null)
    {
        if (await CallAuthorizer.CheckAsync(http, ListExecutorsMethod, auth.Value, logger) is { } refused)
        {
            http.Response.StatusCode = refused.StatusCode == Grpc.Core.StatusCode.Unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
            await http.Response.WriteAsJsonAsync(new { code = (int)refused.StatusCode, message = refused.Detail });
            return;
        }

        var response = new ListExecutorsResponse();
        response.Executors.Add(registry.List(string.IsNullOrEmpty(stepType) ? null : stepType));
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(Json.Format(response));
    }

    /// <summary>What the dashboard needs to know about its caller: whether credentials are asked for, and the roles of the one given.</summary>
    private static async Task<IResult> SessionAsync(HttpContext http, IOptions<AuthOptions> auth)
    {
        if (!auth.Value.Enabled)
        {
            return Results.Json(new { authEnabled = false, authenticated = true, name = "(no authentication)", roles = Roles.All });
        }

        var result = await http.AuthenticateAsync(AuthenticationSetup.SchemeName);
        if (!result.Succeeded)
        {
            return Results.Json(new { authEnabled = true, authenticated = false, name = "", roles = Array.Empty<string>() });
        }

        var caller = CallerPrincipal.From(result.Principal);
        return Results.Json(new { authEnabled = true, authenticated = true, name = caller.Name, roles = caller.Roles.Order(StringComparer.Ordinal).ToArray() });
    }
}
