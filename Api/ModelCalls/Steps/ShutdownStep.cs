using Api.Errors;
using Api.Streaming;

namespace Api.ModelCalls.Steps;

/// <summary>1. A server that is stopping takes nothing new: the client sends it again and another replica takes it.</summary>
public sealed class ShutdownStep(ShutdownDrain drain) : IModelCallStep
{
    public int Order => StepOrder.Shutdown;

    public ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken) =>
        ValueTask.FromResult(drain.Stopping ? ReplyFailures.ShuttingDown() : null);
}
