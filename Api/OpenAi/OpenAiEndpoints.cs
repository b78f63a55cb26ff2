using System.Text.Json;
using Api.Auth;
using Api.Errors;
using Api.Infrastructure;
using Api.Llm;
using Api.ModelCalls;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Api.OpenAi;

/// <summary>
/// The OpenAI-compatible routes (<c>/v1</c>): chat completions and the model list, for tools built on OpenAI's clients,
/// signed in with Entra ID or a personal API key, governed like the chat API (<see cref="CompletionService"/>).
/// </summary>
public static class OpenAiEndpoints
{
    public const string Prefix = OpenAiRoute.Prefix;

    /// <summary>The body limit: 256 messages of text fit, anything much larger is not a chat request.</summary>
    public const long BodyLimit = 1024 * 1024;

    public static IEndpointRouteBuilder MapOpenAiEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var v1 = endpoints.MapGroup(Prefix).WithTags("OpenAI-compatible");

        v1.MapGet("/models", (CurrentUser user, ModelAccess access) =>
                TypedResults.Json(new ModelList("list", [.. access.Visible(user).Select(m => new ModelEntry(m.Name, "model", 0, "llmchat"))]), OpenAiErrors.Json))
            .WithName("OpenAiListModels").WithSummary("The models the caller may use, as OpenAI's /v1/models lists them.");

        v1.MapGet("/models/{id}", (string id, CurrentUser user, ModelAccess access) =>
                access.Find(id, user) is { } model
                    ? TypedResults.Json(new ModelEntry(model.Name, "model", 0, "llmchat"), OpenAiErrors.Json)
                    : OpenAiErrors.Result(ApiError.Of(ErrorCodes.ModelNotFound, $"The model '{id}' does not exist or you do not have access to it.", param: "model")))
            .WithName("OpenAiRetrieveModel").WithSummary("One model the caller may use; 404 model_not_found for any other.");

        v1.MapPost("/embeddings", EmbedAsync)
            .WithBodyLimit(EmbeddingRequestReader.BodyLimit)
            .WithName("OpenAiEmbeddings")
            .WithMetadata(Auth.DeferredKeyCheck.Instance)
            .WithSummary("OpenAI's embeddings: a string or an array of strings, vectors as floats or base64, on the embedding model's own lane.");

        v1.MapPost("/chat/completions", CompleteAsync)
            .WithBodyLimit(BodyLimit)
            .WithName("OpenAiChatCompletions")
            .WithMetadata(Auth.DeferredKeyCheck.Instance)
            .WithSummary("OpenAI's chat completions, streamed (chat.completion.chunk frames, data: [DONE]) or not; stateless.");

        return endpoints;
    }

    private static async Task<IResult> CompleteAsync(HttpRequest http, CurrentUser user, CompletionService service, CancellationToken cancellationToken)
    {
        var (body, unread) = await ReadBodyAsync<ChatCompletionRequest>(http, "a chat completion request",
            ApiError.Of(ErrorCodes.RequestTooLarge, $"The request body is larger than {BodyLimit / 1024} KB.", param: "messages"), cancellationToken);
        if (unread is not null)
        {
            return unread;
        }

        var (request, invalid) = CompletionRequestReader.Read(body);
        if (invalid is not null)
        {
            return OpenAiErrors.Result(invalid);
        }

        var (turn, refused) = await service.AdmitAsync(user, request!, RequestOrigin.Of(http.HttpContext), Auth.KeyRecheck.Of(http.HttpContext), cancellationToken);
        return refused is not null ? OpenAiErrors.Result(refused) : new CompletionResult(service, turn!, request!.Stream, request.IncludeUsage);
    }

    private static async Task<IResult> EmbedAsync(HttpRequest http, CurrentUser user, EmbeddingService service, CancellationToken cancellationToken)
    {
        var (body, unread) = await ReadBodyAsync<EmbeddingRequestBody>(http, "an embeddings request",
            ApiError.Of(ErrorCodes.RequestTooLarge, $"The request body is larger than {EmbeddingRequestReader.BodyLimit / 1024 / 1024} MB: send the inputs in smaller batches.", param: "input"), cancellationToken);
        if (unread is not null)
        {
            return unread;
        }

        var (request, invalid) = EmbeddingRequestReader.Read(body);
        if (invalid is not null)
        {
            return OpenAiErrors.Result(invalid);
        }

        // A key being checked again is answered before the model is asked (an embedding has no first token to hold).
        if (Auth.KeyRecheck.Of(http.HttpContext) is { } recheck && await recheck.VerdictAsync() is { } revoked)
        {
            return OpenAiErrors.Result(revoked);
        }

        var (result, refused) = await service.EmbedAsync(user, request!, RequestOrigin.Of(http.HttpContext), cancellationToken);
        return refused is not null ? OpenAiErrors.Result(refused) : result!;
    }

    /// <summary>A route's body in OpenAI's shape, or the refusal: JSON that does not read as <paramref name="what"/>, or a body over the route's limit.</summary>
    private static async Task<(T? Body, IResult? Refusal)> ReadBodyAsync<T>(HttpRequest http, string what, ApiError tooLarge, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return (await JsonSerializer.DeserializeAsync<T>(http.Body, OpenAiErrors.Json, cancellationToken), null);
        }
        catch (JsonException ex)
        {
            return (null, OpenAiErrors.Result(ApiError.Of(ErrorCodes.InvalidJson, $"The body is not valid JSON for {what} ({ex.Path ?? "$"}: {ex.Message.Split('.')[0]}).")));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, OpenAiErrors.Result(tooLarge));
        }
    }

    /// <summary>Statuses the framework sets on <c>/v1</c> (no or a bad key, unknown route, body too large) answer OpenAI-shaped.</summary>
    public static async Task WriteStatusAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (http.Request.Path.StartsWithSegments(Prefix))
        {
            var message = http.Response.StatusCode switch
            {
                401 => "Incorrect or missing API key: send 'Authorization: Bearer <your key>' (a personal key from the web app's API keys page, or an Entra ID token).",
                403 => "This key or token may not use this route.",
                404 => "Unknown route.",
                _ => "The request failed.",
            };
            await OpenAiErrors.WriteStatusAsync(http, message);
            return;
        }

        await ProblemStatusAsync(context);
    }

    /// <summary>Elsewhere the default: a ProblemDetails body with its code.</summary>
    private static async Task ProblemStatusAsync(StatusCodeContext context)
    {
        var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context.HttpContext,
            ProblemDetails = { Status = context.HttpContext.Response.StatusCode },
        });
    }
}
