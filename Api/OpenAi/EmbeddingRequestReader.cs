using System.Text.Json;
using Api.Errors;

namespace Api.OpenAi;

/// <summary>An embeddings request as read: the model, the texts in order, whether vectors go as base64, and the length asked for.</summary>
public sealed record EmbeddingRequest(string Model, IReadOnlyList<string> Inputs, bool Base64, int? Dimensions);

/// <summary>
/// Reads a <c>/v1/embeddings</c> body, refusing before any model is asked: no model, no input, an empty text (alone or
/// in the array), items that are not strings (token arrays are not supported), more than <see cref="MaxInputs"/> texts,
/// an encoding other than <c>float</c> or <c>base64</c>, a <c>dimensions</c> that is not positive, and unknown fields.
/// </summary>
public static class EmbeddingRequestReader
{
    /// <summary>Texts per request: a bulk backfill sends batches, each one request against the caller's limits.</summary>
    public const int MaxInputs = 256;

    /// <summary>The body limit: 256 texts of 2,000 tokens fit, with their JSON.</summary>
    public const long BodyLimit = 4 * 1024 * 1024;

    public static (EmbeddingRequest? Request, ApiError? Error) Read(EmbeddingRequestBody? body)
    {
        if (body is null)
        {
            return Invalid(null, "The request body is missing or is not a JSON object.", ErrorCodes.InvalidBody);
        }

        if (body.Other is { Count: > 0 } other)
        {
            var name = other.Keys.Order(StringComparer.Ordinal).First();
            return Invalid(name, $"Unrecognized request argument supplied: {name}", ErrorCodes.UnknownParameter);
        }

        if (string.IsNullOrWhiteSpace(body.Model))
        {
            return Invalid("model", "You must provide a model parameter (see GET /v1/models).", ErrorCodes.MissingRequiredParameter);
        }

        if (body.EncodingFormat is not (null or "float" or "base64"))
        {
            return Invalid("encoding_format", $"encoding_format must be \"float\" or \"base64\", not \"{body.EncodingFormat}\".", ErrorCodes.InvalidValue);
        }

        if (body.Dimensions is < 1)
        {
            return Invalid("dimensions", "dimensions must be at least 1.", ErrorCodes.InvalidValue);
        }

        var input = body.Input;
        List<string> inputs;
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    inputs = [input.GetString()!];
                }
                catch (InvalidOperationException)
                {
                    return Invalid("input", "input is not valid text: it has a lone UTF-16 surrogate.", ErrorCodes.InvalidInput);
                }

                if (inputs[0].Length == 0)
                {
                    return Invalid("input", "input must not be empty.", ErrorCodes.EmptyInput);
                }

                break;
            case JsonValueKind.Array:
                if (input.GetArrayLength() == 0)
                {
                    return Invalid("input", "input must not be an empty array.", ErrorCodes.EmptyInput);
                }

                if (input.GetArrayLength() > MaxInputs)
                {
                    return Invalid("input", $"At most {MaxInputs} inputs are accepted in one request; this one has {input.GetArrayLength()}. Send them in batches.", ErrorCodes.TooManyInputs);
                }

                inputs = new List<string>(input.GetArrayLength());
                var index = 0;
                foreach (var item in input.EnumerateArray())
                {
                    var param = $"input[{index++}]";
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        return Invalid(param, item.ValueKind is JsonValueKind.Number or JsonValueKind.Array
                            ? $"{param} is not a string: token arrays are not supported, send text."
                            : $"{param} must be a string.", ErrorCodes.InvalidInput);
                    }

                    string text;
                    try
                    {
                        text = item.GetString()!;
                    }
                    catch (InvalidOperationException)
                    {
                        return Invalid(param, $"{param} is not valid text: it has a lone UTF-16 surrogate.", ErrorCodes.InvalidInput);
                    }

                    if (text.Length == 0)
                    {
                        return Invalid(param, $"{param} is empty: every input must have text.", ErrorCodes.EmptyInput);
                    }

                    inputs.Add(text);
                }

                break;
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return Invalid("input", "You must provide an input: a string or an array of strings.", ErrorCodes.MissingRequiredParameter);
            default:
                return Invalid("input", "input must be a string or an array of strings (token arrays are not supported).", ErrorCodes.InvalidInput);
        }

        return (new EmbeddingRequest(body.Model, inputs, body.EncodingFormat == "base64", body.Dimensions), null);
    }

    private static (EmbeddingRequest?, ApiError?) Invalid(string? param, string message, string code) => (null, ApiError.Of(code, message, param: param));
}
