namespace Api.Auth;

/// <summary>
/// The API's app roles for its admin routes, as the provision hook declares them on the API's app registration
/// (<c>infra/hooks/Entra/api-app-roles.json</c>) and Entra ID puts them in the token's <c>roles</c>.
/// <see cref="Admin"/> reads and changes; <see cref="Auditor"/> reads only.
/// </summary>
public static class AdminRoles
{
    public const string Admin = "Admin";
    public const string Auditor = "Auditor";

    /// <summary>What a route needs: to read (either role) or to change (Admin).</summary>
    public enum Need
    {
        Read,
        Change,
    }

    public static bool Allows(IReadOnlyList<string> roles, Need need) =>
        roles.Contains(Admin, StringComparer.Ordinal) || (need == Need.Read && roles.Contains(Auditor, StringComparer.Ordinal));

    /// <summary>The admin roles a caller may use: those of a signed-in user; none through an API key.</summary>
    public static IReadOnlyList<string> Usable(System.Security.Claims.ClaimsPrincipal principal, CurrentUser user) =>
        ThroughKey(principal) ? [] : [.. user.Roles.Where(role => role is Admin or Auditor).Distinct(StringComparer.Ordinal)];

    /// <summary>Whether the caller came with a personal API key (which never administers, whatever its owner's roles).</summary>
    public static bool ThroughKey(System.Security.Claims.ClaimsPrincipal principal) =>
        principal.Identity?.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName;
}
