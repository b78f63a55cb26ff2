using Microsoft.AspNetCore.Authorization;

namespace Api.Auth;

/// <summary>Checks <see cref="GroupsOverage"/> for every policy that requires it.</summary>
public sealed class GroupsOverageHandler : AuthorizationHandler<GroupsOverage>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, GroupsOverage requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (GroupsOverage.Holds(context))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
