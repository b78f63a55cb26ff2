namespace Api.Infrastructure;

/// <summary>
/// What a request may bring: headers up to a size and a count below Kestrel's own (so too many or too large get a
/// coded 431, not Kestrel's bare one), and a body limit per route, enforced while the body is read.
/// </summary>
public static class RequestLimits
{
    /// <summary>Headers larger than this are refused with a coded 431 (Kestrel's own limit sits above it and answers with no body).</summary>
    public const int MaxRequestHeadersBytes = 32 * 1024;

    /// <summary>More header fields than this are refused with a coded 431 (Kestrel's own count limit sits above it).</summary>
    public const int MaxRequestHeaderCount = 100;

    public static IApplicationBuilder UseRequestHeaderLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var size = 0;
        var count = 0;
        foreach (var (name, values) in context.Request.Headers)
        {
            size += name.Length + 4;
            foreach (var value in values)
            {
                size += value?.Length ?? 0;
                count++;
            }
        }

        var refusal = size > MaxRequestHeadersBytes ? $"The request headers take {size} bytes; the limit is {MaxRequestHeadersBytes}."
            : count > MaxRequestHeaderCount ? $"The request has {count} header fields; the limit is {MaxRequestHeaderCount}."
            : null;
        if (refusal is not null)
        {
            await Errors.ApiError.Of(Errors.ErrorCodes.HeadersTooLarge, refusal).ToResult().ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    /// <summary>Refuses a body over <paramref name="bytes"/> while it is read (413), so it is never buffered whole.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(bytes));
}
