using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Api.Llm;

/// <summary>
/// The one way the API talks to the model: turns <see cref="IChatClient"/> updates into <see cref="LlmChunk"/>s and
/// makes a stream that ends without Ollama's final message an error rather than a silently short reply.
/// </summary>
public sealed class LlmGateway(IChatClient chat, ILogger<LlmGateway> logger)
{
    public async IAsyncEnumerable<LlmChunk> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = new ChatOptions
        {
            ModelId = request.Model,
            Temperature = request.Temperature,
            MaxOutputTokens = request.MaxOutputTokens,
        };

        var finished = false;
        await foreach (var update in chat.GetStreamingResponseAsync(request.Messages, options, cancellationToken).WithCancellation(cancellationToken))
        {
            var usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
            var finishReason = update.FinishReason?.Value;
            finished |= finishReason is not null;
            var text = update.Text;
            if (!string.IsNullOrEmpty(text) || usage is not null || finishReason is not null)
            {
                yield return new LlmChunk(
                    string.IsNullOrEmpty(text) ? null : text,
                    ToInt(usage?.InputTokenCount),
                    ToInt(usage?.OutputTokenCount),
                    finishReason);
            }
        }

        if (!finished)
        {
            logger.LogWarning("The stream from model {Model} ended without a finish reason.", request.Model);
            throw new LlmStreamBrokenException("The model's reply stream ended before it was complete.");
        }
    }

    private static int? ToInt(long? value) => value is null ? null : (int)Math.Min(value.Value, int.MaxValue);
}
