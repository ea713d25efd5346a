using System.Security.Claims;
using Grpc.Core;
using GrpcWorkflows.Engine.Namespaces;

namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>
/// Who is calling, as the authorization layer sees it: a credential, its roles, the namespaces it
/// covers and, for an executor credential, the step types it may register.
/// </summary>
/// <param name="Name">The API key's name or the token's subject.</param>
/// <param name="Roles">The roles the credential carries (see <see cref="Security.Roles"/>).</param>
/// <param name="Namespaces">The namespaces it covers; <c>*</c> covers all. A credential that names none covers <c>default</c>.</param>
/// <param name="StepTypes">The step types an executor credential may register; <c>*</c> allows all.</param>
internal sealed record CallerPrincipal(string Name, IReadOnlySet<string> Roles, IReadOnlySet<string> Namespaces, IReadOnlySet<string> StepTypes)
{
    /// <summary>The claim type that carries a role on principals built by the API-key handler.</summary>
    public const string RoleClaimType = "role";

    /// <summary>The claim type (on API-key principals, and the default for tokens) of the namespaces a credential covers.</summary>
    public const string NamespaceClaimType = "namespaces";

    /// <summary>The claim type (on API-key principals, and the default for tokens) of the step types an executor credential may register.</summary>
    public const string StepTypeClaimType = "step_types";

    private static readonly IReadOnlySet<string> Everything = new HashSet<string>(StringComparer.Ordinal) { ExecutionNamespace.All };

    /// <summary>The caller when authentication is off: every role, namespace and step type.</summary>
    public static CallerPrincipal Unrestricted { get; } = new("anonymous", new HashSet<string>(Security.Roles.All, StringComparer.Ordinal), Everything, Everything);

    /// <summary>
    /// Who owns what this caller registers: the authentication scheme and the name, so that an API
    /// key and a token subject of the same name are different owners.
    /// </summary>
    public string Owner { get; init; } = "anonymous";

    /// <summary>Whether any of the caller's roles grants <paramref name="required"/>.</summary>
    public bool Holds(string required) => Roles.Any(held => Security.Roles.Grants(held, required));

    /// <summary>Whether the caller may see and act on executions of <paramref name="executionNamespace"/>.</summary>
    public bool Covers(string executionNamespace) => Namespaces.Contains(ExecutionNamespace.All) || Namespaces.Contains(executionNamespace);

    /// <summary>Whether the caller may register executors of <paramref name="stepType"/> (an <c>admin</c> may register any).</summary>
    public bool MayServe(string stepType) => Roles.Contains(Security.Roles.Admin) || StepTypes.Contains(ExecutionNamespace.All) || StepTypes.Contains(stepType);

    /// <summary>Whether the caller administers the registry: acts on every executor's registration, whoever registered it.</summary>
    public bool AdministersRegistry => Roles.Contains(Security.Roles.Admin);

    /// <summary>The namespaces covered, for messages.</summary>
    public string DescribeNamespaces() => Namespaces.Count == 0 ? "none" : string.Join(", ", Namespaces.Order(StringComparer.Ordinal));

    /// <summary>
    /// Reads the caller from an authenticated <paramref name="user"/>: the role claims of each identity
    /// (its <see cref="ClaimsIdentity.RoleClaimType"/>), unknown roles ignored; namespaces and step types
    /// from claims of <paramref name="namespaceClaim"/> and <paramref name="stepTypeClaim"/> (and of
    /// <see cref="NamespaceClaimType"/> and <see cref="StepTypeClaimType"/>, which API keys carry; one claim, several,
    /// or a space- or comma-separated list). No namespace claim means <c>default</c>.
    /// </summary>
    public static CallerPrincipal From(ClaimsPrincipal user, string namespaceClaim = NamespaceClaimType, string stepTypeClaim = StepTypeClaimType)
    {
        ArgumentNullException.ThrowIfNull(user);
        var roles = Values(user.Identities.SelectMany(identity => identity.FindAll(identity.RoleClaimType)))
            .Where(Security.Roles.IsKnown)
            .ToHashSet(StringComparer.Ordinal);
        var namespaces = Values(user.FindAll(c => c.Type == namespaceClaim || c.Type == NamespaceClaimType)).ToHashSet(StringComparer.Ordinal);
        if (namespaces.Count == 0)
        {
            namespaces.Add(ExecutionNamespace.Default);
        }

        var stepTypes = Values(user.FindAll(c => c.Type == stepTypeClaim || c.Type == StepTypeClaimType)).ToHashSet(StringComparer.Ordinal);
        var name = user.Identity?.Name ?? user.FindFirst("sub")?.Value ?? "(unnamed)";
        return new CallerPrincipal(name, roles, namespaces, stepTypes) { Owner = $"{user.Identity?.AuthenticationType}:{name}" };
    }

    /// <summary>The caller of a call: set by <see cref="AuthorizationInterceptor"/>; <see cref="Unrestricted"/> when authentication is off.</summary>
    public static CallerPrincipal Of(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetHttpContext().Items.TryGetValue(typeof(CallerPrincipal), out var caller) && caller is CallerPrincipal known ? known : Unrestricted;
    }

    private static IEnumerable<string> Values(IEnumerable<Claim> claims)
        => claims.SelectMany(claim => claim.Value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
