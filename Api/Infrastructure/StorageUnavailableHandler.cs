using Microsoft.AspNetCore.Diagnostics;

namespace Api.Infrastructure;

/// <summary>A store that cannot be reached is a 503 <c>storage_unavailable</c> with <c>Retry-After</c>, never a bare 500.</summary>
public sealed class StorageUnavailableHandler(ILogger<StorageUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!StorageFailures.IsUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        logger.LogWarning("The conversation store is unavailable: {Message}", exception.GetBaseException().Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        await StorageFailures.Error().ToResult().ExecuteAsync(httpContext);
        return true;
    }
}
