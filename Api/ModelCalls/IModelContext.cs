using Api.Errors;

namespace Api.ModelCalls;

/// <summary>
/// How a route makes the model's context once the caller's messages passed their checks (the pipeline's context step):
/// a conversation's history and the new message, a stateless request's messages after our system prompt, a title's
/// fixed instructions. It fits them to the context budget it is given, or refuses (the conversation is gone, ...).
/// </summary>
public interface IModelContext
{
    Task<ApiError?> BuildAsync(ModelCallState state, CancellationToken cancellationToken);
}
