using Api.Errors;
using Microsoft.AspNetCore.Authorization;

namespace Api.Auth;

/// <summary>
/// A token whose user is in more groups than it carries (<see cref="CurrentUser.HasGroupsOverage"/>) is refused: the
/// groups decide which budgets bind the user and which models they may use, and guessing them (none) would free the
/// user of every group budget. The refusal says what an administrator can do: assign fewer groups to the API's
/// enterprise application, whose groups alone the tokens carry (docs/admin.md, "Groups in a real tenant").
/// </summary>
public sealed class GroupsOverage : IAuthorizationRequirement
{
    public static readonly GroupsOverage Requirement = new();

    public static ApiError Error() => ApiError.Of(ErrorCodes.GroupsOverage,
        "Your account is in more of this application's groups than a sign-in token can carry (200), so the service cannot tell which group budgets and models apply to you. An administrator can assign fewer groups to the API's enterprise application (docs/admin.md, \"Groups in a real tenant\").");

    /// <summary>The requirement's check: a signed-in user whose groups are all in the token.</summary>
    public static bool Holds(AuthorizationHandlerContext context) => !CurrentUser.HasGroupsOverage(context.User);
}
