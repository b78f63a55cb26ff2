using Api.Auth;
using Api.Llm;

namespace Api.ModelCalls;

public static class ModelEndpoints
{
    /// <summary><c>GET /api/models</c>: the web's picker, the models the caller may use with their live state.</summary>
    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api").WithTags("LLM").MapGet("/models", async (CurrentUser user, ModelAccess access, LlmStatusService status, CancellationToken cancellationToken) =>
                TypedResults.Ok(await status.GetModelsAsync([.. access.Visible(user)], cancellationToken)))
            .WithName("GetModels")
            .WithSummary("The models the caller may use, and for each whether it is loaded (on GPU or CPU), its queue and the expected wait.");
        return endpoints;
    }
}
