using System.Security.Claims;

namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>
/// Who is calling, as the authorization layer sees it: a credential name and its roles.
/// </summary>
/// <remarks>
/// Namespaces (the credential's scope over executions) and step types (an executor credential's
/// scope over registrations) are added here when those features land; the policy table then
/// checks them beside the role.
/// </remarks>
/// <param name="Name">The API key's name or the token's subject.</param>
/// <param name="Roles">The roles the credential carries (see <see cref="Security.Roles"/>).</param>
public sealed record CallerPrincipal(string Name, IReadOnlySet<string> Roles)
{
    /// <summary>The claim type that carries a role on principals built by the API-key handler.</summary>
    public const string RoleClaimType = "role";

    /// <summary>Whether any of the caller's roles grants <paramref name="required"/>.</summary>
    public bool Holds(string required) => Roles.Any(held => Security.Roles.Grants(held, required));

    /// <summary>Reads the caller from an authenticated <paramref name="user"/>: the role claims of each identity (its <see cref="ClaimsIdentity.RoleClaimType"/>), unknown roles ignored.</summary>
    public static CallerPrincipal From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var roles = user.Identities.SelectMany(identity => identity.FindAll(identity.RoleClaimType))
            .SelectMany(claim => claim.Value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(Security.Roles.IsKnown)
            .ToHashSet(StringComparer.Ordinal);
        var name = user.Identity?.Name ?? user.FindFirst("sub")?.Value ?? "(unnamed)";
        return new CallerPrincipal(name, roles);
    }
}
