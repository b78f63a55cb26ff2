using Api.Errors;
using Microsoft.Extensions.AI;

namespace Api.ModelCalls;

/// <summary>A context the API writes itself (a title's instructions and the exchange to name), with nothing of the caller's to add.</summary>
public sealed class FixedContext(IReadOnlyList<ChatMessage> messages) : IModelContext
{
    public Task<ApiError?> BuildAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ModelMessages = messages;
        return Task.FromResult<ApiError?>(null);
    }
}
