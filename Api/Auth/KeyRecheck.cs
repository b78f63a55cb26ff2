using Api.Errors;

namespace Api.Auth;

/// <summary>
/// A key this replica found genuine lately, whose cached entry had lapsed: the request was signed in as the owner it
/// had then, and the key is looked up again beside the request (issue 18: nothing the API must check delays the model
/// call). A model request holds its first token until the lookup answers (<see cref="DeferredKeyCheck"/> on its
/// route); every other route waits for it before its endpoint runs (<see cref="KeyRecheckMiddleware"/>). The key refused
/// now (revoked, expired, its owner gone) ends the request as an unknown key would.
/// </summary>
public sealed class KeyRecheck(Task<ApiKeyOwner?> lookup, ApiKeyOwner signedInAs)
{
    /// <summary>Null when the key still belongs to the owner the request was signed in as; the refusal otherwise.</summary>
    public async Task<ApiError?> VerdictAsync()
    {
        var found = await lookup;
        return found is not null && found.KeyId == signedInAs.KeyId && found.UserKey == signedInAs.UserKey ? null : ApiKeyAuthenticationHandler.Invalid();
    }

    /// <summary>The request's recheck, if its key was signed in from what this replica knew.</summary>
    public static KeyRecheck? Of(HttpContext http) => http.Features.Get<KeyRecheck>();
}

/// <summary>Where the requests of routes that do not hold their reply wait for a key's recheck.</summary>
public static class KeyRecheckMiddleware
{
    /// <summary>
    /// After authorization: a route that does not hold its reply for the recheck (<see cref="DeferredKeyCheck"/>)
    /// waits for it here, and a key refused now gets the route's refusal instead of the endpoint.
    /// </summary>
    public static IApplicationBuilder UseKeyRecheck(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (KeyRecheck.Of(context) is { } recheck && context.GetEndpoint()?.Metadata.GetMetadata<DeferredKeyCheck>() is null)
        {
            ApiError? refusal;
            try
            {
                refusal = await recheck.VerdictAsync();
            }
            catch (Exception ex) when (Infrastructure.StorageFailures.IsUnavailable(ex))
            {
                refusal = Infrastructure.StorageFailures.Error();
            }

            if (refusal is not null)
            {
                AuthenticationRefusal.Set(context, refusal);
                await AuthenticationRefusal.TryWriteAsync(context)!;
                return;
            }
        }

        await next(context);
    });
}

/// <summary>Endpoint metadata: the route holds its reply until a key's recheck answers, rather than its endpoint waiting for it.</summary>
public sealed class DeferredKeyCheck
{
    public static readonly DeferredKeyCheck Instance = new();
}
