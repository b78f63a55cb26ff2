using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Api.Auth;

/// <summary>
/// A signed-in caller refused by a policy (a token without the required scope, or without a user id) is a security
/// event, with its address and path; the answer itself is the framework's 403.
/// </summary>
public sealed class ForbiddenEvents(ILoggerFactory loggers) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();
    private readonly ILogger _security = loggers.CreateLogger(Safety.SecurityEvents.Category);

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Forbidden)
        {
            var reasons = authorizeResult.AuthorizationFailure?.FailedRequirements.Select(r => r.GetType().Name) ?? [];
            Safety.SecurityEvents.AccessForbidden(_security, CurrentUser.From(context.User)?.Id ?? "(no id)", context.User.Identity?.AuthenticationType ?? "?",
                context.Request.Path.Value ?? string.Empty, context.Connection.RemoteIpAddress?.ToString(), string.Join(", ", reasons));
        }

        // A refusal with its own code: the overage says what an administrator can do.
        if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure?.FailedRequirements.Contains(GroupsOverage.Requirement) == true)
        {
            AuthenticationRefusal.Set(context, GroupsOverage.Error());
            return AuthenticationRefusal.TryWriteAsync(context)!;
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
