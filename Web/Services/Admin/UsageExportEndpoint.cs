namespace Web.Services.Admin;

/// <summary>
/// <c>GET /admin/usage.csv?month=yyyy-MM</c>: the admin page's download link. The browser has no token for the API,
/// so the web asks for the month as the signed-in user and streams the API's CSV on, with its file name; a refusal
/// (no role, a bad month) comes back as the API's problem, with its status and code.
/// </summary>
public static class UsageExportEndpoint
{
    public const string Path = "/admin/usage.csv";

    public static IEndpointRouteBuilder MapUsageExport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, async (string? month, AdminApiClient admin, HttpContext http, CancellationToken cancellationToken) =>
        {
            HttpResponseMessage response;
            try
            {
                response = await admin.ExportUsageAsync(month ?? string.Empty, cancellationToken);
            }
            catch (ChatApiException ex)
            {
                // No answer at all (status 0): the API is unavailable to the web.
                return Results.Problem(statusCode: ex.Error.Status == 0 ? StatusCodes.Status503ServiceUnavailable : ex.Error.Status, detail: ex.Error.UserMessage,
                    extensions: new Dictionary<string, object?> { ["code"] = ex.Error.Code ?? Web.Errors.ErrorCodes.Unavailable });
            }

            http.Response.RegisterForDispose(response);
            if (response.Content.Headers.ContentDisposition is { } disposition)
            {
                http.Response.Headers.ContentDisposition = disposition.ToString();
            }

            return Results.Stream(await response.Content.ReadAsStreamAsync(cancellationToken), response.Content.Headers.ContentType?.ToString() ?? "text/csv");
        });
        return endpoints;
    }
}
