using System.Text.Json;
using Api.Llm;

namespace Api.OpenAi;

/// <summary>
/// Writes an embeddings answer OpenAI's way (<c>{"object":"list","data":[{"object":"embedding","index":i,"embedding":...}],
/// "model","usage"}</c>) straight into the response: each vector as the text Ollama wrote it (floats) or as base64 of its
/// float32s. No vector is turned into a .NET array and back: a bulk backfill costs the API little CPU beside chat.
/// The request's inputs may have been sent in several calls (<see cref="EmbeddingService"/>): their answers, in order.
/// </summary>
public sealed class EmbeddingResponse(IReadOnlyList<EmbedResult> parts, string model, bool base64) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        try
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            await using (var json = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { SkipValidation = true }))
            {
                json.WriteStartObject();
                json.WriteString("object", "list");
                json.WriteStartArray("data");
                var index = 0;
                foreach (var result in parts)
                {
                    for (var i = 0; i < result.Count; i++)
                    {
                        json.WriteStartObject();
                        json.WriteString("object", "embedding");
                        json.WriteNumber("index", index++);
                        json.WritePropertyName("embedding");
                        if (base64)
                        {
                            result.WriteBase64(i, json);
                        }
                        else
                        {
                            json.WriteRawValue(result.Json(i), skipInputValidation: true);
                        }

                        json.WriteEndObject();
                        if (json.BytesPending > 32 * 1024)
                        {
                            await json.FlushAsync(httpContext.RequestAborted);
                        }
                    }
                }

                json.WriteEndArray();
                json.WriteString("model", model);
                json.WriteStartObject("usage");
                var tokens = parts.Sum(p => p.PromptTokens);
                json.WriteNumber("prompt_tokens", tokens);
                json.WriteNumber("total_tokens", tokens);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
        }
        finally
        {
            foreach (var result in parts)
            {
                result.Dispose();
            }
        }
    }
}
