namespace Api.Llm;

public static class LlmEndpoints
{
    public static IEndpointRouteBuilder MapLlmEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithTags("LLM");

        api.MapGet("/status", async (LlmStatusService status, CancellationToken cancellationToken) =>
                TypedResults.Ok(await status.GetStatusAsync(cancellationToken)))
            .WithName("GetStatus")
            .WithSummary("Whether the LLM is available, degraded or unavailable, and why.");

        return endpoints;
    }
}
