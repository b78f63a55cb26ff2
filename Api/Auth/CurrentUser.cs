using System.Security.Claims;
using System.Text;

namespace Api.Auth;

/// <summary>
/// The caller's stable id and its Table Storage partition key. Entra ID's <c>oid</c> (object id) is stable
/// across apps; <c>sub</c> is the fallback for other issuers. <see cref="KeyId"/> names the personal API key the
/// request came with, when it came with one.
/// </summary>
public sealed record CurrentUser(string Id, string PartitionKey, string? KeyId = null)
{
    /// <summary>The Entra ID app roles of the token (<c>roles</c>), or those its key's owner held when the key was made.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The Entra ID groups of the token (<c>groups</c>), or those its key's owner was in when the key was made.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>The claim types a token's app roles arrive as: <c>roles</c>, or the long form when inbound claims are mapped.</summary>
    public static readonly IReadOnlyList<string> RoleClaims = ["roles", ClaimTypes.Role];

    public const string GroupClaim = "groups";

    /// <summary>
    /// Whether the token says its user is in more groups than it carries: past 200 groups (JWT) Entra leaves the
    /// <c>groups</c> claim out and names where to read them instead (<c>_claim_names</c> with <c>groups</c>, beside
    /// <c>_claim_sources</c>; <c>hasgroups</c> in the implicit flow) (learn.microsoft.com, "Configure group claims for
    /// applications" and the access token claims reference). The user's groups are then unknown: their group budgets and
    /// group-only models cannot be told, so the caller is refused (<see cref="GroupsOverage"/>).
    /// </summary>
    public static bool HasGroupsOverage(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.FindFirst("_claim_names")?.Value.Contains("\"groups\"", StringComparison.Ordinal) == true
            || principal.HasClaim(c => c.Type == "hasgroups");
    }

    public const string ObjectIdClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    /// <summary>The claim a request signed in with a personal API key carries: the key's id.</summary>
    public const string KeyIdClaim = "key_id";

    /// <summary>Minimal API binding: endpoints take <see cref="CurrentUser"/> as a parameter.</summary>
    public static ValueTask<CurrentUser?> BindAsync(HttpContext context) => ValueTask.FromResult(From(context.User));

    public static CurrentUser? From(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var id = principal.FindFirstValue("oid")
            ?? principal.FindFirstValue(ObjectIdClaim)
            ?? principal.FindFirstValue("sub")
            ?? principal.FindFirstValue(ClaimTypes.NameIdentifier);

        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        return new CurrentUser(id, ToPartitionKey(id), principal.FindFirstValue(KeyIdClaim))
        {
            Roles = [.. principal.Claims.Where(c => RoleClaims.Contains(c.Type)).Select(c => c.Value).Distinct(StringComparer.Ordinal)],
            Groups = [.. principal.FindAll(GroupClaim).Select(c => c.Value).Distinct(StringComparer.OrdinalIgnoreCase)],
        };
    }

    /// <summary>
    /// Table keys forbid <c>/ \ # ?</c> and control characters: ids made only of safe characters are used as
    /// they are (readable in storage tools), anything else is base64url-encoded under a prefix.
    /// </summary>
    public static string ToPartitionKey(string userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        var safe = userId.Length <= 200 && userId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@');
        if (safe)
        {
            return "u_" + userId;
        }

        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(userId)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return "x_" + encoded;
    }
}
