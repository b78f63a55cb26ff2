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

        api.MapGet("/models", async (Auth.CurrentUser user, LlmStatusService status, CancellationToken cancellationToken) =>
                TypedResults.Ok(await status.GetModelsAsync(user, cancellationToken)))
            .WithName("GetModels")
            .WithSummary("The models the caller may use, and for each whether it is loaded (on GPU or CPU), its queue and the expected wait.");

        return endpoints;
    }
}
