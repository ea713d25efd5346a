using GrpcWorkflows.Orchestrator.Services;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace GrpcWorkflows.Orchestrator.Security.Internal;

/// <summary>Registers client authentication: the <c>Auth</c> options, the API-key and JWT schemes, and the authorization interceptor on the orchestrator's services.</summary>
internal static class AuthenticationSetup
{
    /// <summary>The policy scheme that forwards to the API-key scheme (an <c>x-api-key</c> header) or to JWT bearer.</summary>
    public const string SchemeName = "GrpcWorkflows";

    public static void AddClientAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.TryAddSingleton<ApiKeyStore>();
        services.TryAddSingleton<CallerTokenIssuer>();
        services.AddHostedService<AuthStartupReport>();

        services.AddAuthentication(SchemeName)
            .AddPolicyScheme(SchemeName, "API key, JWT bearer or client certificate", scheme => scheme.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, ClientCertificateAuthenticationHandler>(ClientCertificateAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((bearer, auth) => ConfigureJwt(bearer, auth.Value.Jwt));

        services.AddGrpc()
            .AddServiceOptions<WorkflowGrpcService>(grpc => grpc.Interceptors.Add<AuthorizationInterceptor>())
            .AddServiceOptions<ExecutorRegistryGrpcService>(grpc => grpc.Interceptors.Add<AuthorizationInterceptor>());
    }

    /// <summary>
    /// An <c>x-api-key</c> header is checked as an API key, a bearer token (with JWT on) as a JWT; a call with neither
    /// on a connection with a client certificate, when certificates are mapped, by its certificate; any other call by the
    /// API-key scheme (JWT off) or JWT (on), which find no credential.
    /// </summary>
    private static string SelectScheme(HttpContext http)
    {
        var auth = http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (http.Request.Headers.ContainsKey(AuthOptions.ApiKeyHeader))
        {
            return ApiKeyAuthenticationHandler.SchemeName;
        }

        var bearer = http.Request.Headers.Authorization.Count > 0;
        if (!bearer && http.Connection.ClientCertificate is not null && auth.ClientCertificates.Count > 0)
        {
            return ClientCertificateAuthenticationHandler.SchemeName;
        }

        return auth.Jwt.Enabled ? JwtBearerDefaults.AuthenticationScheme : ApiKeyAuthenticationHandler.SchemeName;
    }

    private static void ConfigureJwt(JwtBearerOptions bearer, JwtOptions jwt)
    {
        if (!jwt.Enabled)
        {
            return;
        }

        bearer.MapInboundClaims = false;
        bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            bearer.Authority = jwt.Authority;
        }

        var validation = bearer.TokenValidationParameters;
        validation.ValidAudience = jwt.Audience;
        validation.ValidateIssuer = true;
        if (!string.IsNullOrWhiteSpace(jwt.Issuer))
        {
            validation.ValidIssuer = jwt.Issuer;
        }

        validation.RoleClaimType = jwt.RoleClaim;
        validation.NameClaimType = "sub";
        validation.ClockSkew = TimeSpan.FromMinutes(1);
        if (!string.IsNullOrWhiteSpace(jwt.JwksPath))
        {
            validation.IssuerSigningKeys = new JsonWebKeySet(File.ReadAllText(jwt.JwksPath)).GetSigningKeys();
        }
    }
}
