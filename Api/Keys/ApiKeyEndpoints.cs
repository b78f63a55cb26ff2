using Api.Errors;
using Api.Auth;
using Api.Infrastructure;

namespace Api.Keys;

/// <summary>The body of <c>POST /api/keys</c>: a name to know the key by, and an optional expiry.</summary>
public sealed record CreateApiKeyRequest(string? Name, DateTimeOffset? ExpiresAt = null);

/// <summary>A key just created: the only time the key itself is shown.</summary>
public sealed record CreatedApiKey(ApiKeyInfo Info, string Key);

/// <summary>
/// The caller's personal API keys: create (the key is in this response only), list, revoke. Only a signed-in user
/// manages keys: a request authenticated by a key is refused (a leaked key cannot mint more).
/// </summary>
public static class ApiKeyEndpoints
{
    private const int MaxNameLength = 80;

    /// <summary>A client's "90 days from now" reaches us a moment later than it was worked out.</summary>
    private static readonly TimeSpan LifetimeTolerance = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var keys = endpoints.MapGroup("/api/keys").WithTags("API keys").AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.User.Identity?.AuthenticationType != ApiKeyAuthenticationHandler.SchemeName)
            {
                return await next(context);
            }

            // A key asking for keys is a leaked key trying to make itself permanent, or a script misconfigured: either way, on record.
            Safety.SecurityEvents.ApiKeyOnKeyRoutes(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(Safety.SecurityEvents.Category),
                http.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)?.Value ?? "?", CurrentUser.From(http.User)?.Id ?? "?", http.Connection.RemoteIpAddress?.ToString(), http.Request.Path.Value ?? string.Empty);
            return ApiProblems.Of(ApiError.Of(ErrorCodes.KeyCannotManageKeys, "API keys are managed by a signed-in user, not with an API key."));
        });

        keys.MapGet(string.Empty, async (CurrentUser user, ApiKeyStore store, CancellationToken cancellationToken) =>
                TypedResults.Ok(await store.ListAsync(user.PartitionKey, cancellationToken)))
            .WithName("ListApiKeys").WithSummary("The caller's API keys (never the keys themselves).");

        keys.MapPost(string.Empty, CreateAsync)
            .WithBodyLimit(16 * 1024)
            .WithName("CreateApiKey").WithSummary("Creates a key; the response is the only time it is shown.")
            .Produces<CreatedApiKey>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        keys.MapDelete("/{keyId}", async (string keyId, CurrentUser user, KeyRevocations revocations, ILoggerFactory loggers, CancellationToken cancellationToken) =>
            {
                // Forgotten and its calls ended on every replica at once (through the shared store).
                if (!await revocations.RevokeAsync(user.PartitionKey, keyId, cancellationToken))
                {
                    return ApiProblems.NotFound("The key");
                }

                Safety.SecurityEvents.ApiKeyRevoked(loggers.CreateLogger(Safety.SecurityEvents.Category), keyId, user.Id);
                return Results.NoContent();
            })
            .WithName("RevokeApiKey").WithSummary("Revokes a key: it stops working within seconds on every replica.");

        return endpoints;
    }

    private static async Task<IResult> CreateAsync(CreateApiKeyRequest? request, CurrentUser user, HttpContext http, RecentSignIn recentSignIn, ApiKeyStore store, TimeProvider time, Microsoft.Extensions.Options.IOptions<ApiKeyOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (await recentSignIn.CheckAsync(http, user, cancellationToken) is { } stale)
        {
            return ApiProblems.Of(stale);
        }

        var name = request?.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            return ApiProblems.BadRequest($"A key needs a name of 1 to {MaxNameLength} characters, without control characters.", ErrorCodes.InvalidKeyName);
        }

        var now = time.GetUtcNow();
        var longest = options.Value.MaxLifetime;
        if (request!.ExpiresAt is { } expires && (expires <= now || expires > now + longest + LifetimeTolerance))
        {
            return ApiProblems.BadRequest($"expiresAt must be in the future and at most {longest.TotalDays:0} days away.", ErrorCodes.InvalidKeyExpiry);
        }

        var (info, key) = await store.CreateAsync(user.Id, user.PartitionKey, name, request.ExpiresAt ?? now + longest, cancellationToken, user);
        if (info is not null)
        {
            Safety.SecurityEvents.ApiKeyCreated(loggers.CreateLogger(Safety.SecurityEvents.Category), info.Id, info.Name, user.Id, info.ExpiresAt);
        }

        return info is null
            ? ApiProblems.Of(ApiError.Of(ErrorCodes.TooManyKeys, $"You can hold {options.Value.MaxKeysPerUser} keys; revoke one first."))
            : TypedResults.Created($"/api/keys/{info.Id}", new CreatedApiKey(info, key!));
    }
}
