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

        return string.IsNullOrWhiteSpace(id) ? null : new CurrentUser(id, ToPartitionKey(id), principal.FindFirstValue(KeyIdClaim));
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
