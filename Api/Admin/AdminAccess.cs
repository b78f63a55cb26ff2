using Api.Auth;
using Api.Errors;
using Api.Infrastructure;

namespace Api.Admin;

/// <summary>
/// Who may call an admin route: a signed-in user (a token, or the development user) holding the route's role. A
/// personal API key is refused whatever its owner's roles (a leaked key must not read everyone's usage or revoke
/// keys); a caller without the role is refused. Each refusal is a security event.
/// </summary>
internal static class AdminAccess
{
    public static RouteGroupBuilder RequireAdminRole(this RouteGroupBuilder group, AdminRoles.Need need) =>
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var user = CurrentUser.From(http.User);
            var refusal = AdminRoles.ThroughKey(http.User)
                ? ApiError.Of(ErrorCodes.KeyCannotAdminister, "The admin routes take a signed-in user, not an API key.")
                : user is null || !AdminRoles.Allows(user.Roles, need)
                    ? ApiError.Of(ErrorCodes.AdminRoleRequired, need == AdminRoles.Need.Read
                        ? $"This needs the {AdminRoles.Admin} or {AdminRoles.Auditor} role."
                        : $"This needs the {AdminRoles.Admin} role.")
                    : null;
            if (refusal is null)
            {
                return await next(context);
            }

            Safety.SecurityEvents.AccessForbidden(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(Safety.SecurityEvents.Category),
                user?.Id ?? "(no id)", http.User.Identity?.AuthenticationType ?? "?", http.Request.Path.Value ?? string.Empty,
                http.Connection.RemoteIpAddress?.ToString(), refusal.Code);
            return ApiProblems.Of(refusal);
        });
}
