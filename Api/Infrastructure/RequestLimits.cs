namespace Api.Infrastructure;

/// <summary>
/// What a request may bring: headers up to a limit below Kestrel's own (so an oversized block gets a coded 431, not a
/// bare one), and a body limit per route, enforced while the body is read.
/// </summary>
public static class RequestLimits
{
    /// <summary>Headers larger than this are refused with a coded 431 (Kestrel's own limit sits above it and answers with no body).</summary>
    public const int MaxRequestHeadersBytes = 32 * 1024;

    public static IApplicationBuilder UseRequestHeaderLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var size = 0;
        foreach (var (name, values) in context.Request.Headers)
        {
            size += name.Length + 4;
            foreach (var value in values)
            {
                size += value?.Length ?? 0;
            }
        }

        if (size > MaxRequestHeadersBytes)
        {
            context.Response.StatusCode = StatusCodes.Status431RequestHeaderFieldsTooLarge;
            await TypedResults.Problem(ApiProblems.Create(StatusCodes.Status431RequestHeaderFieldsTooLarge, "Request headers too large",
                $"The request headers take {size} bytes; the limit is {MaxRequestHeadersBytes}.", "headers_too_large")).ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    /// <summary>Refuses a body over <paramref name="bytes"/> while it is read (413), so it is never buffered whole.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(bytes));
}
