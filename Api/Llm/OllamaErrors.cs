using System.Net;
using System.Text.Json;

namespace Api.Llm;

/// <summary>
/// What an Ollama error answer means, read once for every route: its text is for our logs, never for callers (it names
/// Ollama's internals); callers get a sentence of ours and a code. Ollama 0.17.1 answers a prompt longer than the model's
/// window, sent with <c>truncate: false</c>, with 400 <c>{"error":"the input length exceeds the context length"}</c>
/// (runner/ollamarunner/runner.go, <c>errorInputTooLong</c>, passed on by server/routes.go's chat handler with its
/// status); later versions say "the prompt is longer than the context length currently available to the model".
/// </summary>
public static class OllamaErrors
{
    /// <summary>The exception for a non-success answer with <paramref name="body"/>: the refusal of an over-long input, a refusal, or a failure.</summary>
    public static HttpRequestException From(HttpStatusCode status, string body)
    {
        var detail = ErrorText(body) ?? body;
        var logged = $"Ollama answered {(int)status}: {detail}";
        return status == HttpStatusCode.BadRequest && IsContextLength(detail)
            ? new LlmContextLengthException(logged)
            : new HttpRequestException(logged, null, status);
    }

    /// <summary>Whether Ollama's error says the input did not fit the model's context.</summary>
    public static bool IsContextLength(string detail) => detail.Contains("context length", StringComparison.OrdinalIgnoreCase);

    /// <summary>The <c>error</c> of Ollama's JSON error answer, or null when the body is not one.</summary>
    public static string? ErrorText(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                ? error.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The model server refused the input as longer than the model's context (Ollama's 400, with <c>truncate: false</c>).</summary>
public sealed class LlmContextLengthException(string message) : HttpRequestException(message, null, HttpStatusCode.BadRequest);
