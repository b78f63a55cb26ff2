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
    /// what keeps the user's API keys working (<c>ApiKeys:OwnerInactivityLimit</c>). The record is written beside the
    /// request, never before it: the listener notes the sign-in in memory at once, and the request waits for no write.
    /// </summary>
    public static IApplicationBuilder UseSignInRecording(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.User.Identity is { IsAuthenticated: true, AuthenticationType: not ApiKeyAuthenticationHandler.SchemeName }
            && CurrentUser.From(context.User) is { } user)
        {
            foreach (var listener in context.RequestServices.GetServices<IUserSignInListener>())
            {
                var recording = listener.SignedInAsync(user, CancellationToken.None);
                if (!recording.IsCompletedSuccessfully)
                {
                    _ = FinishAsync(recording, context.RequestServices.GetRequiredService<ILoggerFactory>());
                }
            }
        }

        await next(context);
    });

    private static async Task FinishAsync(ValueTask recording, ILoggerFactory loggers)
    {
        try
        {
            await recording;
        }
        catch (Exception ex)
        {
            loggers.CreateLogger(typeof(SignInRecording)).LogWarning(ex, "A sign-in was not recorded.");
        }
    }
}
