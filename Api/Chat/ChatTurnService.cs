using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Api.Auth;
using Api.Conversations;
using Api.Infrastructure;
using Api.Llm;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>
/// One chat turn from request to stored reply: checks the input, builds the context, streams the model's reply,
/// and writes the turn once at the end (a single batch), whatever way it ended.
/// </summary>
public sealed class ChatTurnService(
    ConversationStore store,
    LlmGateway gateway,
    TitleGenerator titles,
    IOptions<LlmOptions> llmOptions,
    IOptions<ConversationOptions> conversationOptions,
    LlmModelCatalog models,
    TimeProvider time,
    ILogger<ChatTurnService> logger)
{
    private static readonly TimeSpan PersistTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Checks a new message; on success the turn is ready to stream, otherwise the error to return.</summary>
    public async Task<(PreparedTurn? Turn, IResult? Error)> PrepareSendAsync(CurrentUser user, string conversationId, SendMessageRequest request, CancellationToken cancellationToken)
    {
        var limits = conversationOptions.Value;
        var content = request.Content;
        if (string.IsNullOrWhiteSpace(content))
        {
            return (null, ApiProblems.BadRequest("The message content is empty.", "empty_message"));
        }

        if (content.Length > limits.MaxMessageChars)
        {
            return (null, ApiProblems.TooLarge($"The message has {content.Length} characters; the limit is {limits.MaxMessageChars}.", "message_too_long"));
        }

        var conversation = await store.GetAsync(user.PartitionKey, conversationId, cancellationToken);
        if (conversation is null)
        {
            return (null, ApiProblems.NotFound("The conversation"));
        }

        if (conversation.MessageCount + 2 > limits.MaxMessagesPerConversation)
        {
            return (null, ApiProblems.BadRequest(
                $"The conversation has reached its limit of {limits.MaxMessagesPerConversation} messages; start a new one.", "conversation_too_long"));
        }

        var (llmRequest, error) = BuildRequest(request.Model, request.Temperature, request.MaxOutputTokens, await store.GetMessagesAsync(user.PartitionKey, conversationId, cancellationToken), content);
        if (error is not null)
        {
            return (null, error);
        }

        return (new PreparedTurn(user, conversation, content, llmRequest!, null, conversation.MessageCount == 0 && !conversation.TitleGenerated, time.GetUtcNow()), null);
    }

    /// <summary>Checks a regenerate request: the conversation must end with a reply to redo.</summary>
    public async Task<(PreparedTurn? Turn, IResult? Error)> PrepareRegenerateAsync(CurrentUser user, string conversationId, RegenerateRequest request, CancellationToken cancellationToken)
    {
        var conversation = await store.GetAsync(user.PartitionKey, conversationId, cancellationToken);
        if (conversation is null)
        {
            return (null, ApiProblems.NotFound("The conversation"));
        }

        var history = await store.GetMessagesAsync(user.PartitionKey, conversationId, cancellationToken);
        if (history.Count < 2 || history[^1].Role != MessageRoles.Assistant)
        {
            return (null, ApiProblems.BadRequest("The conversation has no reply to regenerate.", "nothing_to_regenerate"));
        }

        var (llmRequest, error) = BuildRequest(request.Model, request.Temperature, request.MaxOutputTokens, history.Take(history.Count - 1).ToList(), newUserMessage: null);
        if (error is not null)
        {
            return (null, error);
        }

        return (new PreparedTurn(user, conversation, null, llmRequest!, history[^1], IsFirstExchange: false, time.GetUtcNow()), null);
    }

    /// <summary>
    /// Streams the reply. When the client goes away the upstream call is cancelled and the partial reply is kept
    /// as <c>incomplete</c>; a broken stream keeps it too and ends with an <c>error</c> event.
    /// </summary>
    public async IAsyncEnumerable<ChatEvent> StreamAsync(PreparedTurn turn, [EnumeratorCancellation] CancellationToken requestAborted)
    {
        var stopwatch = Stopwatch.StartNew();
        var reply = new StringBuilder();
        TimeSpan? firstToken = null;
        int? promptTokens = null, completionTokens = null;
        Exception? failure = null;
        var cancelled = false;

        await using (var upstream = gateway.StreamAsync(turn.Request, requestAborted).GetAsyncEnumerator(requestAborted))
        {
            while (true)
            {
                LlmChunk chunk;
                try
                {
                    if (!await upstream.MoveNextAsync())
                    {
                        break;
                    }

                    chunk = upstream.Current;
                }
                catch (OperationCanceledException) when (requestAborted.IsCancellationRequested)
                {
                    cancelled = true;
                    break;
                }
                catch (Exception ex)
                {
                    failure = ex;
                    break;
                }

                promptTokens = chunk.PromptTokens ?? promptTokens;
                completionTokens = chunk.CompletionTokens ?? completionTokens;
                if (chunk.Text is { Length: > 0 } text)
                {
                    firstToken ??= stopwatch.Elapsed;
                    reply.Append(text);
                    yield return new ChatEvent.Delta(text);
                }
            }
        }

        var total = stopwatch.Elapsed;
        var status = failure is null && !cancelled ? MessageStatus.Complete
            : reply.Length > 0 ? MessageStatus.Incomplete
            : MessageStatus.Failed;
        var tokensPerSecond = TokensPerSecond(completionTokens, firstToken, total);

        if (failure is not null)
        {
            logger.LogWarning(failure, "The reply in conversation {ConversationId} failed after {Chars} characters.", turn.Conversation.Id, reply.Length);
        }

        string? title = null;
        if (turn.IsFirstExchange && status == MessageStatus.Complete && turn.UserMessage is not null)
        {
            title = await titles.GenerateAsync(turn.UserMessage, reply.ToString(), turn.Request.Model, requestAborted.IsCancellationRequested ? CancellationToken.None : requestAborted);
        }
        else if (turn.IsFirstExchange && turn.UserMessage is not null)
        {
            title = TitleGenerator.Fallback(turn.UserMessage);
        }

        var now = time.GetUtcNow();
        var assistant = new StoredMessage(
            Id: string.Empty,
            Sequence: turn.ReplacedAssistant?.Sequence ?? -1,
            Role: MessageRoles.Assistant,
            Content: reply.ToString(),
            Status: status,
            CreatedAt: now,
            Model: turn.Request.Model,
            PromptTokens: promptTokens,
            CompletionTokens: completionTokens,
            TimeToFirstTokenMs: firstToken?.TotalMilliseconds,
            TokensPerSecond: tokensPerSecond,
            Error: failure is null ? null : DescribeFailure(failure).Problem.Title);
        var user = turn.UserMessage is null ? null : new StoredMessage(string.Empty, -1, MessageRoles.User, turn.UserMessage, MessageStatus.Complete, turn.StartedAt);

        // The client may be gone: the write must still happen, bounded on its own.
        using var persistTimeout = new CancellationTokenSource(PersistTimeout);
        Conversation saved;
        string messageId;
        Exception? persistFailure = null;
        try
        {
            saved = await store.AppendTurnAsync(turn.User.PartitionKey, turn.Conversation, new TurnWrite(user, assistant, turn.ReplacedAssistant is not null, title), persistTimeout.Token);
            messageId = (turn.ReplacedAssistant?.Sequence ?? saved.NextSequence - 1).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException or ConversationNotFoundException)
        {
            logger.LogError(ex, "The turn in conversation {ConversationId} could not be saved.", turn.Conversation.Id);
            persistFailure = ex;
            saved = turn.Conversation;
            messageId = string.Empty;
        }

        if (cancelled)
        {
            yield break;
        }

        if (persistFailure is not null)
        {
            yield return new ChatEvent.Error(
                ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "The reply could not be saved", "The conversation store did not accept the reply. Try again.", "persist_failed"),
                TimeSpan.FromSeconds(5));
            yield break;
        }

        if (failure is not null)
        {
            var (problem, retryAfter) = DescribeFailure(failure);
            problem.Extensions["messageId"] = messageId;
            problem.Extensions["partial"] = reply.Length > 0;
            yield return new ChatEvent.Error(problem, retryAfter);
            yield break;
        }

        yield return new ChatEvent.Done(new DoneEvent(
            saved.Id,
            messageId,
            "complete",
            turn.Request.Model,
            Fallback: false,
            new UsageDto(promptTokens, completionTokens),
            new TimingsDto(firstToken?.TotalMilliseconds, tokensPerSecond, total.TotalMilliseconds),
            title));
    }

    private (LlmRequest? Request, IResult? Error) BuildRequest(string? model, double? temperature, int? maxOutputTokens, IReadOnlyList<StoredMessage> history, string? newUserMessage)
    {
        var options = llmOptions.Value;
        var chosenModel = model ?? models.DefaultModel;
        if (chosenModel is null)
        {
            chosenModel = "none";
        }
        else if (!models.IsConfigured(chosenModel))
        {
            return (null, ApiProblems.BadRequest($"The model '{model}' is not one of the configured models (see GET /api/models).", "unknown_model"));
        }

        if (temperature is { } t && (double.IsNaN(t) || t < 0))
        {
            return (null, ApiProblems.BadRequest("The temperature must be a number of 0 or more.", "invalid_temperature"));
        }

        if (maxOutputTokens is < 1)
        {
            return (null, ApiProblems.BadRequest("maxOutputTokens must be at least 1.", "invalid_max_output_tokens"));
        }

        var outputTokens = Math.Min(maxOutputTokens ?? options.DefaultMaxOutputTokens, options.MaxOutputTokensCap);
        var boundedTemperature = (float)Math.Min(temperature ?? options.DefaultTemperature, options.MaxTemperature);
        var messages = ChatContextBuilder.Build(options.SystemPrompt, history, newUserMessage, options.ContextTokenBudget, outputTokens);
        if (newUserMessage is not null && messages[^1].Text != newUserMessage)
        {
            return (null, ApiProblems.TooLarge("The message does not fit the model's context budget.", "context_too_long"));
        }

        if (newUserMessage is not null && TokenEstimator.EstimateMessage(newUserMessage) + TokenEstimator.EstimateMessage(options.SystemPrompt) + outputTokens > options.ContextTokenBudget)
        {
            return (null, ApiProblems.TooLarge("The message does not fit the model's context budget.", "context_too_long"));
        }

        return (new LlmRequest(messages, chosenModel, boundedTemperature, outputTokens), null);
    }

    private static double? TokensPerSecond(int? completionTokens, TimeSpan? firstToken, TimeSpan total)
    {
        if (completionTokens is not > 1 || firstToken is null)
        {
            return null;
        }

        var generating = total - firstToken.Value;
        return generating > TimeSpan.FromMilliseconds(1) ? Math.Round((completionTokens.Value - 1) / generating.TotalSeconds, 2) : null;
    }

    internal static (Microsoft.AspNetCore.Mvc.ProblemDetails Problem, TimeSpan? RetryAfter) DescribeFailure(Exception failure) => failure switch
    {
        LlmUnavailableException unavailable => (ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "The language model is unavailable", unavailable.Message, "llm_unavailable"), unavailable.RetryAfter ?? TimeSpan.FromSeconds(10)),
        LlmStreamBrokenException broken => (ApiProblems.Create(StatusCodes.Status502BadGateway, "The reply was cut off", broken.Message, "llm_stream_broken"), TimeSpan.FromSeconds(2)),
        TimeoutException timeout => (ApiProblems.Create(StatusCodes.Status504GatewayTimeout, "The language model timed out", timeout.Message, "llm_timeout"), TimeSpan.FromSeconds(5)),
        HttpRequestException http => (ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "The language model is unavailable", $"The model server could not be reached ({http.StatusCode?.ToString() ?? http.HttpRequestError.ToString()}).", "llm_unavailable"), TimeSpan.FromSeconds(10)),
        _ => (ApiProblems.Create(StatusCodes.Status502BadGateway, "The language model failed", "The model server returned an error.", "llm_error"), TimeSpan.FromSeconds(5)),
    };
}
