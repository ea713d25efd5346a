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
            .AddPolicyScheme(SchemeName, "API key or JWT bearer", scheme => scheme.ForwardDefaultSelector = http =>
                http.Request.Headers.ContainsKey(AuthOptions.ApiKeyHeader)
                    || !http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Jwt.Enabled
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((bearer, auth) => ConfigureJwt(bearer, auth.Value.Jwt));

        services.AddGrpc()
            .AddServiceOptions<WorkflowGrpcService>(grpc => grpc.Interceptors.Add<AuthorizationInterceptor>())
            .AddServiceOptions<ExecutorRegistryGrpcService>(grpc => grpc.Interceptors.Add<AuthorizationInterceptor>());
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
