using System.Text.Encodings.Web;
using System.Text.Json;

namespace Api.Safety;

/// <summary>A JSON text with every string cleaned, how many characters were taken out, and its strings' text.</summary>
/// <param name="Json">The same JSON, its strings (values and property names) cleaned.</param>
/// <param name="Removed">The invisible and control characters taken out, in all its strings.</param>
/// <param name="Text">Its strings, one a line, for the injection detector: what a model would read in it.</param>
public sealed record SanitizedJson(string Json, int Removed, string Text);

/// <summary>
/// Cleans the strings of a JSON text as <see cref="InputSanitizer"/> cleans a message: a tool's description and its
/// parameters' schema, a tool call's arguments. Cleaning the text of the JSON would miss what JSON escapes hide: a tag
/// character written <c>\uDB40\uDC41</c> is twelve visible characters until the model server decodes it. So the JSON is
/// read, each string cleaned, and the JSON written again.
/// </summary>
public static class JsonTextSanitizer
{
    private static readonly JsonWriterOptions Writing = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Cleans <paramref name="json"/>, which must be valid JSON (the request readers check it).</summary>
    public static SanitizedJson Sanitize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream(json.Length + 16);
        var text = new System.Text.StringBuilder();
        var removed = 0;
        using (var writer = new Utf8JsonWriter(buffer, Writing))
        {
            Write(document.RootElement, writer, text, ref removed);
        }

        return new SanitizedJson(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), removed, text.ToString());
    }

    private static string Clean(string value, System.Text.StringBuilder text, ref int removed)
    {
        var clean = InputSanitizer.Sanitize(value);
        removed += clean.Removed;
        text.Append(clean.Text).Append('\n');
        return clean.Text;
    }

    private static void Write(JsonElement element, Utf8JsonWriter writer, System.Text.StringBuilder text, ref int removed)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(Clean(property.Name, text, ref removed));
                    Write(property.Value, writer, text, ref removed);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(item, writer, text, ref removed);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(Clean(element.GetString()!, text, ref removed));
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
