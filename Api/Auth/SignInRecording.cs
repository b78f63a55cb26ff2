namespace Api.Auth;

/// <summary>Told when a user is seen signed in themselves (an Entra token, or the dev user), never with an API key.</summary>
public interface IUserSignInListener
{
    /// <summary>Called on the user's requests; the listener decides how often it writes.</summary>
    ValueTask SignedInAsync(CurrentUser user, CancellationToken cancellationToken);
}

public static class SignInRecording
{
    /// <summary>
    /// After authentication: a request signed in by its user (not by a key) proves the account still works, which is
    /// what keeps the user's API keys working (<c>ApiKeys:OwnerInactivityLimit</c>).
    /// </summary>
    public static IApplicationBuilder UseSignInRecording(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.User.Identity is { IsAuthenticated: true, AuthenticationType: not ApiKeyAuthenticationHandler.SchemeName }
            && CurrentUser.From(context.User) is { } user)
        {
            foreach (var listener in context.RequestServices.GetServices<IUserSignInListener>())
            {
                await listener.SignedInAsync(user, context.RequestAborted);
            }
        }

        await next(context);
    });
}
