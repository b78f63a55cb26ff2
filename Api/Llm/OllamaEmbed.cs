using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Api.Llm;

/// <summary>What Ollama's <c>/api/embed</c> answered: one vector per input, in order, and the tokens it read.</summary>
public sealed record EmbedResult(IReadOnlyList<float[]> Vectors, int PromptTokens);

/// <summary>
/// Ollama's <c>POST /api/embed</c>: <c>{"model","input":[...],"truncate":false}</c> answered by
/// <c>{"embeddings":[[...]],"prompt_eval_count":n}</c>. <c>truncate</c> is false so an input longer than the model's
/// context fails (Ollama answers 400) instead of being cut without a word.
/// </summary>
public static class OllamaEmbed
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static async Task<EmbedResult> CallAsync(HttpClient http, string model, IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("input");
            foreach (var input in inputs)
            {
                json.WriteStringValue(input);
            }

            json.WriteEndArray();
            json.WriteBoolean("truncate", false);
            json.WriteEndObject();
        }

        using var content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
        content.Headers.ContentType = Json;
        using var response = await http.PostAsync("api/embed", content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = TryError(text) ?? text;
            throw response.StatusCode == HttpStatusCode.BadRequest
                ? new EmbedInputRefusedException(error)
                : new HttpRequestException($"Ollama answered {(int)response.StatusCode}: {error}", null, response.StatusCode);
        }

        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        if (!root.TryGetProperty("embeddings", out var embeddings) || embeddings.ValueKind != JsonValueKind.Array || embeddings.GetArrayLength() != inputs.Count)
        {
            throw new InvalidOperationException($"Ollama answered /api/embed without one vector per input ({inputs.Count}).");
        }

        var vectors = new List<float[]>(inputs.Count);
        foreach (var embedding in embeddings.EnumerateArray())
        {
            var vector = new float[embedding.GetArrayLength()];
            var i = 0;
            foreach (var value in embedding.EnumerateArray())
            {
                vector[i++] = value.GetSingle();
            }

            vectors.Add(vector);
        }

        var tokens = root.TryGetProperty("prompt_eval_count", out var count) && count.TryGetInt32(out var n) ? n : 0;
        return new EmbedResult(vectors, tokens);
    }

    private static string? TryError(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Ollama refused the inputs themselves (400: longer than the model's context, most often): the caller's to fix, not the server's failure.</summary>
public sealed class EmbedInputRefusedException(string message) : Exception(message);
